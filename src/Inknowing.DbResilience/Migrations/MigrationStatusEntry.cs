namespace Inknowing.DbResilience.Migrations;

/// <summary>One row of <c>status</c>: a script and its tracked state.</summary>
/// <param name="Version">The key: the version (<c>12</c>), a seed (<c>S12</c>) or a repeatable script (<c>A:views</c>).</param>
/// <param name="Name">The descriptive name.</param>
/// <param name="Status">
/// <c>pending</c>, <c>running</c>, <c>completed</c>, <c>failed</c> or <c>rolled_back</c>; <c>adopted</c> when imported from
/// another tool's history and <c>baselined</c> when recorded by a baseline (both applied, not run by the library);
/// <c>missing</c> when applied but its file is gone; <c>changed</c> when applied but its file differs.
/// </param>
/// <param name="Checksum">The checksum of the file, or of the applied script when the file is gone.</param>
/// <param name="AppliedAt">When it was last applied, or <see langword="null"/>.</param>
/// <param name="ExecutionTimeMs">How long it took, or <see langword="null"/>.</param>
/// <param name="Kind">What the script does.</param>
public sealed record MigrationStatusEntry(
    string Version,
    string Name,
    string Status,
    string Checksum,
    DateTimeOffset? AppliedAt,
    long? ExecutionTimeMs,
    MigrationKind Kind);
