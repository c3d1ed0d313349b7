using System.Globalization;
using System.Text;

namespace Sluice.Server.Metrics;

/// <summary>
/// Writes one metric family with labels in the Prometheus text format, for the parts of the server that report
/// through <see cref="IMetricsSource"/> (a breaker per dependency, a cursor per sink, a tier per cache).
/// </summary>
internal readonly struct MetricFamily
{
    private readonly StringBuilder _text;
    private readonly string _name;

    public MetricFamily(StringBuilder text, string name, string type, string help)
    {
        _text = text;
        _name = name;
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public MetricFamily Add(double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        _text.Append(_name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                _text.Append(i == 0 ? "" : ",").Append(labels[i].Name).Append("=\"")
                    .Append(labels[i].Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                    .Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return this;
    }
}

/// <summary>A part of the server with its own metrics; every registered source is rendered into <c>/metrics</c>.</summary>
internal interface IMetricsSource
{
    void Render(StringBuilder text);
}
