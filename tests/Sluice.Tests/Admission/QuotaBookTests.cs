using System.Text;
using Sluice.Admission;
using Sluice.Admission.Quotas;
using Sluice.Core.Events;

namespace Sluice.Tests.Admission;

/// <summary>Fixed windows on a hand-moved clock: exact at the limit, reset at the window's edge, exact under concurrency.</summary>
public sealed class QuotaBookTests
{
    private const long Hour = 3_600_000;
    private const long Start = 1_767_225_600_000; // 2026-01-01T00:00:00Z, an hour boundary

    [Fact]
    public void A_reject_rule_admits_exactly_its_limit_and_counts_down_the_remaining_quota()
    {
        var book = Book("global:5/1h");
        var now = Start + (10 * 60_000); // 10 minutes into the hour
        for (var i = 1; i <= 5; i++)
        {
            var d = Admit(book, Row(), now);
            Assert.Equal(QuotaOutcome.Pass, d.Outcome);
            Assert.Equal(5 - i, d.Remaining);
        }

        var refused = Admit(book, Row(), now);
        Assert.Equal(QuotaOutcome.Refused, refused.Outcome);
        Assert.Equal(0, refused.Remaining);
        Assert.Equal(50 * 60, refused.RetryAfterSeconds); // until the top of the hour
        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(), now).Outcome);
        Assert.Equal(2, book.Stats().Single().Rejected);
    }

    [Fact]
    public void The_window_rolls_over_at_the_clock_boundary_and_not_a_millisecond_before()
    {
        var book = Book("global:3/1h");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(), Start + i).Outcome);
        }

        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(), Start + Hour - 1).Outcome);
        Assert.Equal(1, QuotaBook.RetryAfterSeconds(book.Rules[0], Start + Hour - 1));
        var next = Admit(book, Row(), Start + Hour);
        Assert.Equal(QuotaOutcome.Pass, next.Outcome);
        Assert.Equal(2, next.Remaining);
    }

    [Fact]
    public void Scopes_count_separately_and_a_match_limits_a_rule_to_one_value()
    {
        var book = Book("trace:2/1h; system=browser:1/1h");
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(trace: "t1"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(trace: "t1"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(trace: "t1"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(trace: "t2"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(), Start).Outcome); // no trace: the trace rule does not apply

        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(system: "browser"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(system: "browser"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(system: "backend"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(system: "backend"), Start).Outcome);
    }

    [Fact]
    public void An_event_refused_by_one_rule_uses_up_no_quota_of_another()
    {
        var book = Book("global:3/1h; system=browser:1/1h");
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(system: "browser"), Start).Outcome);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(system: "browser"), Start).Outcome);
        }

        // The global rule counted only the one browser event that passed.
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(system: "worker"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(system: "worker"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(system: "worker"), Start).Outcome);
    }

    [Fact]
    public void Key_and_client_scopes_use_the_request_identity()
    {
        var book = Book("api_key:1/1h; ip:2/1h");
        var a = new RequestIdentity("key-a", "ip-1");
        var b = new RequestIdentity("key-b", "ip-1");
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(), Start, a).Outcome);
        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(), Start, a).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(), Start, b).Outcome);
        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(), Start, new RequestIdentity("key-c", "ip-1")).Outcome); // ip-1 used twice
    }

    [Fact]
    public void Past_the_key_budget_new_values_share_one_counter_so_the_rule_only_gets_stricter()
    {
        var book = Book("trace:2/1h", maxKeys: 3);
        foreach (var t in new[] { "a", "b", "c" })
        {
            Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(trace: t), Start).Outcome);
        }

        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(trace: "d"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(trace: "e"), Start).Outcome);
        Assert.Equal(QuotaOutcome.Refused, Admit(book, Row(trace: "f"), Start).Outcome); // d, e, f share the overflow counter
        Assert.Equal(QuotaOutcome.Pass, Admit(book, Row(trace: "a"), Start).Outcome); // tracked keys keep their own
    }

    [Fact]
    public async Task Concurrent_clients_never_get_more_than_the_limit_between_them()
    {
        var book = Book("global:5000/1h; domain:3000/1h");
        var passed = 0;
        var passedDomain = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var row = t % 2 == 0 ? Row(domain: "shop") : Row();
            for (var i = 0; i < 2_000; i++)
            {
                if (Admit(book, row, Start).Outcome == QuotaOutcome.Pass)
                {
                    Interlocked.Increment(ref passed);
                    if (t % 2 == 0)
                    {
                        Interlocked.Increment(ref passedDomain);
                    }
                }
            }
        })));

        // 16,000 attempts: exactly the global limit passes. The domain rule's events compete with it, so undoing a
        // refused event's global increment may turn one other event away: the documented tolerance is "never more".
        Assert.True(passed <= 5000, $"{passed} passed a limit of 5000");
        Assert.True(passed >= 4990, $"only {passed} of 5000 passed");
        Assert.True(passedDomain <= 3000, $"{passedDomain} passed a domain limit of 3000");
    }

    [Fact]
    public async Task A_single_rule_under_concurrency_admits_exactly_its_limit()
    {
        var book = Book("global:10000/1h");
        var passed = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                if (Admit(book, Row(), Start).Outcome == QuotaOutcome.Pass)
                {
                    Interlocked.Increment(ref passed);
                }
            }
        })));
        Assert.Equal(10_000, passed);
    }

    [Fact]
    public void Limit_reached_is_raised_once_per_scope_value_and_window()
    {
        var book = Book("domain:2/1h:sample; global:100/1h");
        var raised = new List<string>();
        book.LimitReached += (rule, value) => raised.Add($"{rule.Name} {value}");
        for (var i = 0; i < 10; i++)
        {
            Admit(book, Row(domain: "a.example"), Start);
            Admit(book, Row(domain: "b.example"), Start);
        }

        Assert.Equal(["domain:2/1h:sample a.example", "domain:2/1h:sample b.example"], raised);
        Admit(book, Row(domain: "a.example"), Start + Hour);
        Admit(book, Row(domain: "a.example"), Start + Hour);
        Admit(book, Row(domain: "a.example"), Start + Hour);
        Assert.Equal(3, raised.Count);
    }

    [Fact]
    public void A_refused_event_gives_back_what_it_counted_on_sampling_rules_and_the_refusal_is_announced_once()
    {
        var book = Book("domain:100/1h:sample; system=browser:2/1h");
        var announced = 0;
        book.LimitReached += (_, _) => announced++;
        for (var i = 0; i < 50; i++)
        {
            Admit(book, Row(domain: "d", system: "browser"), Start);
        }

        Assert.Equal(48, book.Stats().Last().Rejected);
        Assert.Equal(1, announced);

        // The 48 refused events gave back their domain count: 2 + 98 more fit the domain's 100 unsampled.
        for (var i = 0; i < 98; i++)
        {
            var d = Admit(book, Row(domain: "d"), Start);
            Assert.Equal((QuotaOutcome.Pass, 1L), (d.Outcome, d.Weight));
        }

        Assert.Equal(0, book.Strata.Count);
        Assert.Equal(QuotaOutcome.SampledOut, Admit(book, Row(domain: "d"), Start).Outcome);
        Assert.Equal(2, announced);
    }

    internal static QuotaBook Book(string rules, int maxKeys = 100_000)
    {
        var errors = new List<string>();
        var book = new QuotaBook(QuotaRule.ParseList(rules, errors), maxKeys);
        Assert.Empty(errors);
        return book;
    }

    internal static QuotaDecision Admit(QuotaBook book, byte[] row, long now, RequestIdentity? who = null)
    {
        var fields = RowFields.Read(row);
        return book.Admit(ref fields, who ?? RequestIdentity.Anonymous, row, default, now);
    }

    internal static byte[] Row(string? trace = null, string? system = null, string? domain = null, string? country = null, string? decision = null, EventKind kind = EventKind.Log)
    {
        using var batch = new EventBatchBuilder();
        batch.BeginRow();
        batch.WriteString(FieldTag.Id, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("N")));
        batch.WriteString(FieldTag.Message, "m"u8);
        foreach (var (tag, value) in new[] { (FieldTag.TraceId, trace), (FieldTag.System, system), (FieldTag.Domain, domain), (FieldTag.Country, country), (FieldTag.Decision, decision) })
        {
            if (value is not null)
            {
                batch.WriteString(tag, Encoding.UTF8.GetBytes(value));
            }
        }

        batch.EndRow(1000, kind, EventLevel.Info);
        return batch.Rows.ToArray();
    }
}
