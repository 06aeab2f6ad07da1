namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>One server setting that point-in-time recovery depends on.</summary>
/// <param name="Name">The setting, such as <c>wal_level</c>.</param>
/// <param name="Current">Its value now.</param>
/// <param name="Wanted">The value point-in-time recovery needs.</param>
/// <param name="Ok">Whether the current value is good enough.</param>
/// <param name="NeedsRestart">Whether changing it takes a server restart (its context is <c>postmaster</c>), or a change is pending one.</param>
public sealed record ServerSettingCheck(string Name, string Current, string Wanted, bool Ok, bool NeedsRestart);
