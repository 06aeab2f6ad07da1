namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>One server setting that point-in-time recovery depends on.</summary>
public sealed record ServerSettingCheck
{
    /// <summary>Gets the setting, such as <c>wal_level</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets its value now.</summary>
    public required string Current { get; init; }

    /// <summary>Gets the value point-in-time recovery needs.</summary>
    public required string Wanted { get; init; }

    /// <summary>Gets a value indicating whether the current value is good enough.</summary>
    public required bool Ok { get; init; }

    /// <summary>
    /// Gets a value indicating whether changing it takes a server restart (its context is <c>postmaster</c>), or a change
    /// is pending one.
    /// </summary>
    public required bool NeedsRestart { get; init; }
}
