namespace Sluice.Bench.Patterns;

/// <summary>Drain's grouping accuracy per Loghub-2k set as published by Zhu et al., ICSE-SEIP 2019 (the comparison column).</summary>
internal static class DrainFigures
{
    public static readonly IReadOnlyList<(string Set, double Grouping)> GroupingAccuracy =
    [
        ("HDFS", 0.998), ("Hadoop", 0.948), ("Spark", 0.920), ("Zookeeper", 0.967), ("BGL", 0.963), ("HPC", 0.887),
        ("Thunderbird", 0.955), ("Windows", 0.997), ("Linux", 0.690), ("Android", 0.911), ("HealthApp", 0.780),
        ("Apache", 1.000), ("Proxifier", 0.527), ("OpenSSH", 0.788), ("OpenStack", 0.733), ("Mac", 0.787),
    ];
}
