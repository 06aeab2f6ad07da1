namespace Inknowing.DbResilience.PostgreSql.Diagnostics;

/// <summary>What <see cref="IPostgreSqlInspector"/> found on the server and on this machine.</summary>
public sealed record PostgreSqlServerInfo
{
    /// <summary>Gets the server's version, for example 15.18.</summary>
    public required Version ServerVersion { get; init; }

    /// <summary>Gets the name of the connected database.</summary>
    public required string Database { get; init; }

    /// <summary>Gets the size of the connected database in bytes.</summary>
    public required long DatabaseSizeBytes { get; init; }

    /// <summary>Gets a value indicating whether data checksums are on (corruption is detected when pages are read).</summary>
    public required bool DataChecksums { get; init; }

    /// <summary>Gets the server's <c>wal_level</c>; point-in-time recovery needs <c>replica</c> or <c>logical</c>.</summary>
    public required string WalLevel { get; init; }

    /// <summary>Gets the server's <c>archive_mode</c>.</summary>
    public required string ArchiveMode { get; init; }

    /// <summary>Gets a value indicating whether the connected role is a superuser.</summary>
    public required bool IsSuperuser { get; init; }

    /// <summary>Gets the path of pg_dump on this machine, or <see langword="null"/> when it was not found.</summary>
    public string? PgDumpPath { get; init; }

    /// <summary>Gets the version of pg_dump on this machine, or <see langword="null"/> when it was not found.</summary>
    public Version? PgDumpVersion { get; init; }

    /// <summary>Gets the problems found that would make a backup or a point-in-time recovery fail, each saying what to do.</summary>
    public required IReadOnlyList<string> Problems { get; init; }
}
