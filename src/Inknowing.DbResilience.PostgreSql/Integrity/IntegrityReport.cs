namespace Inknowing.DbResilience.PostgreSql.Integrity;

/// <summary>The results of every integrity check run on one database.</summary>
public sealed record IntegrityReport
{
    /// <summary>Gets the database that was checked.</summary>
    public required string Database { get; init; }

    /// <summary>Gets when the checks started.</summary>
    public required DateTimeOffset CheckedAt { get; init; }

    /// <summary>Gets how long all checks took together.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Gets each check's result, in the order they ran.</summary>
    public required IReadOnlyList<IntegrityCheckResult> Checks { get; init; }

    /// <summary>Gets the exact row count of every ordinary table and partition, keyed by the quoted <c>"schema"."table"</c> name.</summary>
    public required IReadOnlyDictionary<string, long> TableRowCounts { get; init; }

    /// <summary>Gets the worst status among the checks.</summary>
    public IntegrityStatus Status => Checks.Count == 0 ? IntegrityStatus.Ok : Checks.Max(c => c.Status);

    /// <summary>Gets a value indicating whether no check reported <see cref="IntegrityStatus.Error"/>.</summary>
    public bool Passed => Status != IntegrityStatus.Error;
}
