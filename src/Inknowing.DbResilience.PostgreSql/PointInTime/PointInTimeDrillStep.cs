namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>One step of a point-in-time recovery drill.</summary>
/// <param name="Name">The step, such as <c>restore</c>.</param>
/// <param name="Succeeded">Whether it succeeded.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Detail">What it found or why it failed.</param>
public sealed record PointInTimeDrillStep(string Name, bool Succeeded, TimeSpan Duration, string Detail);
