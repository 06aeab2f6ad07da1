namespace Inknowing.DbResilience.PostgreSql;

/// <summary>Options for the PostgreSQL database that Inknowing.DbResilience protects.</summary>
public sealed class PostgreSqlOptions
{
    /// <summary>
    /// Gets or sets the Npgsql connection string of the database. Required.
    /// The password, if any, reaches child processes only through their environment, never their arguments.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the directory of the PostgreSQL client tools (pg_dump, pg_restore, pg_basebackup, ...).
    /// The default value is <see langword="null"/>: the tools are looked up on PATH, then in the newest
    /// <c>/usr/lib/postgresql/*/bin</c>.
    /// </summary>
    public string? ToolsDirectory { get; set; }
}
