namespace Sluice.Analysis.Monitors;

/// <summary>One entry of a monitor's history: its status changed at <see cref="AtMs"/>, with the figures that changed it.</summary>
internal sealed record StatusChange(long AtMs, MonitorStatus From, MonitorStatus To, double? Observed, double? Expected, string Summary);
