namespace Sluice.Analysis.Alerts;

/// <summary>What an alert rule watches.</summary>
internal enum AlertKind
{
    /// <summary>A count (or a formula) over the window, above or below a figure.</summary>
    Threshold,

    /// <summary>A monitor's status at or past a level.</summary>
    Monitor,

    /// <summary>A pattern first seen since the rule's last evaluation (optionally only at a level or worse).</summary>
    NewPattern,

    /// <summary>A pattern's count in the window against the mean of the previous windows, ×k.</summary>
    PatternRate,

    /// <summary>Nothing matching the query for the whole window.</summary>
    Absence,

    /// <summary>A volume alert of the protection layer (spike, quota refusing or sampling) raised within the window.</summary>
    Volume,
}
