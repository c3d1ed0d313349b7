using System.Collections;

namespace Sluice.Cli.Bench.Peers;

/// <summary>
/// Large request bodies made on demand from runs of consecutive small ones, so one copy of the file in memory serves
/// both sides (ClickHouse takes 100 k-row inserts, Sluice 1,000-event batches) — 30 M events held twice would not fit.
/// </summary>
internal sealed class JoinedBatches(IReadOnlyList<(byte[] Body, int Events)> source, int per) : IReadOnlyList<(byte[] Body, int Events)>
{
    public int Count => (source.Count + per - 1) / per;

    public (byte[] Body, int Events) this[int index]
    {
        get
        {
            var run = source.Skip(index * per).Take(per).ToList();
            var body = new byte[run.Sum(b => b.Body.Length)];
            var at = 0;
            foreach (var (part, _) in run)
            {
                part.CopyTo(body, at);
                at += part.Length;
            }

            return (body, run.Sum(b => b.Events));
        }
    }

    public IEnumerator<(byte[] Body, int Events)> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
