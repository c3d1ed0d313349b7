using System.Text;
using Sluice.Core.Events;
using Sluice.Query.Sql;
using Sluice.Storage.Partitions;

namespace Sluice.Query.Search;

/// <summary>A plain search's filters as SQL conditions, the same for every engine that reads the parts' columns.</summary>
public static class SearchConditions
{
    /// <summary>Adds the request's range, levels, kind, exact fields, text and query-language filter to <paramref name="where"/>.</summary>
    public static void Add(SqlWhere where, ISqlDialect dialect, SearchRequest request)
    {
        string Column(string name) => dialect.Identifier(name);
        if (request.StartMs is { } from)
        {
            where.Add($"{Column(PartSchema.Timestamp)} >= {where.Bind(from)}");
        }

        if (request.EndMs is { } to)
        {
            where.Add($"{Column(PartSchema.Timestamp)} < {where.Bind(to)}");
        }

        if (request.LevelMask != 0)
        {
            var levels = Enum.GetValues<EventLevel>().Where(l => (request.LevelMask & (1 << (int)l)) != 0).Select(l => where.Bind(Levels.Name(l)));
            where.Add($"{Column(PartSchema.Level)} IN ({string.Join(", ", levels)})");
        }

        if (request.Kind is { } kind)
        {
            where.Equal(PartSchema.Kind, PartSchema.KindName(kind));
        }

        Equal(where, FieldTag.Service, request.Service);
        Equal(where, FieldTag.System, request.System);
        Equal(where, FieldTag.Domain, request.Domain);
        Equal(where, FieldTag.TraceId, request.TraceId);
        Equal(where, FieldTag.UserId, request.UserId);
        if (!string.IsNullOrEmpty(request.Text))
        {
            where.Add(dialect.ContainsIgnoreCase(Column("message"), where.Bind(dialect.ContainsIgnoreCaseValue(request.Text))));
        }

        if (request.Filter is { } filter)
        {
            where.Add(Language.SqlCompiler.Condition(filter, where, request.NowMs));
        }
    }

    private static void Equal(SqlWhere where, FieldTag tag, byte[]? value)
    {
        if (value is not null)
        {
            where.Equal(FieldCatalog.Get(tag).Name, Encoding.UTF8.GetString(value));
        }
    }
}
