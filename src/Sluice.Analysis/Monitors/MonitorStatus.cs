namespace Sluice.Analysis.Monitors;

/// <summary>A monitor's verdict. The numbers order severity (alert rules compare them); stored by name.</summary>
internal enum MonitorStatus
{
    NoData = 0,
    Ok = 1,
    Warning = 2,
    Critical = 3,
}
