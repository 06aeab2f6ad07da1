using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>
/// An index PostgreSQL does not use (<c>indisvalid</c> or <c>indisready</c> false), and the repair that works for its
/// kind: REINDEX CONCURRENTLY does not make a partitioned index valid, cannot rebuild an exclusion constraint's index or a
/// TOAST index, and the leftovers of a failed REINDEX CONCURRENTLY are dropped, not rebuilt.
/// </summary>
internal sealed partial record InvalidIndex(
    TableName Index,
    TableName Table,
    bool Invalid,
    bool IsPartitioned,
    bool IsToast,
    bool IsExclusion,
    bool IsUnique,
    string? DefinitionAfterTable,
    IReadOnlyList<TableName> PartitionsWithoutIndex,
    IReadOnlyList<bool> PartitionIsPartitioned)
{
    private const int MaxIdentifierBytes = 63;

    /// <summary>Describes the index and what to run, ending with <c>run: SQL</c> when there are statements that repair it.</summary>
    public string Advice()
    {
        var what = $"{Index.Quoted} on {Table.Quoted} is {(Invalid ? "invalid" : "not ready")}";
        if (IsPartitioned)
        {
            return PartitionedAdvice(what);
        }

        var leftover = ConcurrentReindexLeftover().Match(Index.Name);
        if (leftover.Success && leftover.Groups[2].Value == "new")
        {
            return $"{what}: it is the new copy left by a failed REINDEX CONCURRENTLY of {new TableName(Index.Schema, leftover.Groups[1].Value).Quoted}; "
                + $"drop it, then reindex again, run: DROP INDEX CONCURRENTLY {Index.Quoted}; REINDEX INDEX CONCURRENTLY {new TableName(Index.Schema, leftover.Groups[1].Value).Quoted};";
        }

        if (leftover.Success)
        {
            return $"{what}: it is the old copy that a REINDEX CONCURRENTLY replaced but could not drop; drop it, run: DROP INDEX CONCURRENTLY {Index.Quoted};";
        }

        if (IsExclusion || IsToast)
        {
            return $"{what} ({(IsExclusion ? "it enforces an exclusion constraint" : "it is a TOAST index")}, which REINDEX CONCURRENTLY cannot rebuild); "
                + $"rebuild it with a lock on the table, run: REINDEX INDEX {Index.Quoted};";
        }

        return $"{what} (a failed CREATE INDEX CONCURRENTLY or REINDEX leaves this): rebuild it or drop it, run: REINDEX INDEX CONCURRENTLY {Index.Quoted};";
    }

    private string PartitionedAdvice(string what)
    {
        if (PartitionsWithoutIndex.Count == 0)
        {
            return $"{what}: it is a partitioned index, valid once every partition has a valid index attached to it; "
                + "repair the invalid partition indexes listed here (REINDEX does not validate a partitioned index).";
        }

        var partitions = string.Join(", ", PartitionsWithoutIndex.Select(p => p.Quoted));
        if (DefinitionAfterTable is null)
        {
            return $"{what}: it is a partitioned index and these partitions have no index attached to it: {partitions}. "
                + $"Create on each an index like {Index.Quoted} and attach it with ALTER INDEX {Index.Quoted} ATTACH PARTITION; REINDEX does not make it valid.";
        }

        var sql = new StringBuilder();
        for (var i = 0; i < PartitionsWithoutIndex.Count; i++)
        {
            var partition = PartitionsWithoutIndex[i];
            var name = new TableName(partition.Schema, Truncate(partition.Name + "_" + Index.Name));

            // CONCURRENTLY is refused on a partitioned table; an index made on one covers its partitions and is valid.
            var concurrently = PartitionIsPartitioned[i] ? string.Empty : "CONCURRENTLY ";
            sql.Append(CultureInfo.InvariantCulture, $"CREATE {(IsUnique ? "UNIQUE " : string.Empty)}INDEX {concurrently}{TableName.QuoteIdentifier(name.Name)} ON {partition.Quoted} {DefinitionAfterTable}; ");
            sql.Append(CultureInfo.InvariantCulture, $"ALTER INDEX {Index.Quoted} ATTACH PARTITION {name.Quoted}; ");
        }

        return $"{what}: it is a partitioned index and {PartitionsWithoutIndex.Count} partitions have no index attached to it ({partitions}); "
            + $"REINDEX does not make it valid: create and attach the missing partition indexes, run: {sql.ToString().TrimEnd()}";
    }

    private static string Truncate(string identifier)
    {
        while (Encoding.UTF8.GetByteCount(identifier) > MaxIdentifierBytes)
        {
            identifier = identifier[..^(char.IsLowSurrogate(identifier[^1]) ? 2 : 1)];
        }

        return identifier;
    }

    [GeneratedRegex("^(.+)_cc(new|old)[0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ConcurrentReindexLeftover();
}
