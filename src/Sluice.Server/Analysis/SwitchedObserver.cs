using Sluice.Analysis;
using Sluice.Core.Options;
using Sluice.Server.Configuration;

namespace Sluice.Server.Analysis;

/// <summary>An observer of stored rows that sees them only while its feature flag is on (<c>Features:*</c>).</summary>
internal sealed class SwitchedObserver(IStoredRowsObserver inner, LiveSettings settings, Func<SluiceOptions, bool> isOn) : IStoredRowsObserver
{
    public void Observe(ReadOnlySpan<byte> rows, int count)
    {
        if (isOn(settings.Current))
        {
            inner.Observe(rows, count);
        }
    }
}
