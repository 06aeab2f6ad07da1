namespace Inknowing.DbResilience.Restore;

/// <summary>What to restore, and where.</summary>
public sealed class RestoreRequest
{
    /// <summary>Gets or sets the backup to restore: an id, or <c>latest</c>. The default value is <c>latest</c>.</summary>
    public string BackupId { get; set; } = "latest";

    /// <summary>Gets or sets the database to restore into, on the server of <see cref="TargetConnectionString"/>. Required.</summary>
    public string TargetDatabase { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the connection string of the server to restore into: host, port, user, password and options. Its
    /// database is the one connected to for administration only; <see cref="TargetDatabase"/> names the database restored into.
    /// The password reaches the tools only through their environment. <see cref="IRestoreService"/> sets it to the
    /// configured database's server when it is <see langword="null"/>; a drill sets it to its scratch server. A strategy
    /// takes its connection from here, never from global options. The default value is <see langword="null"/>.
    /// </summary>
    public string? TargetConnectionString { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether an existing target database may be replaced (dropped and created again, the
    /// effect of <c>pg_restore --clean --create --if-exists</c>). Without it, an existing target is refused before anything
    /// is read. For a base backup, whether a target data directory that is not empty (such as one a killed restore left) may be
    /// replaced, a server running in it stopped first. The default value is <see langword="false"/>.
    /// </summary>
    public bool Force { get; set; }

    /// <summary>
    /// Gets or sets the number of parallel pg_restore jobs. Above 1 the backup is first written to a local temporary file,
    /// because pg_restore cannot restore in parallel from standard input. The default value is 1.
    /// </summary>
    public int Jobs { get; set; } = 1;

    /// <summary>Gets the tables to restore; empty restores every table.</summary>
    public IList<TableName> Tables { get; } = new List<TableName>();

    /// <summary>Gets the schemas to restore; empty restores every schema.</summary>
    public IList<string> Schemas { get; } = new List<string>();

    /// <summary>Gets or sets a value indicating whether only definitions are restored, no rows. The default value is <see langword="false"/>.</summary>
    public bool SchemaOnly { get; set; }

    /// <summary>Gets or sets a value indicating whether only rows are restored, into existing tables. The default value is <see langword="false"/>.</summary>
    public bool DataOnly { get; set; }

    /// <summary>Gets or sets a value indicating whether the roles of the backup's globals are created first. The default value is <see langword="false"/>.</summary>
    public bool RestoreGlobals { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether ownership and privileges are left out (<c>--no-owner --no-privileges</c>),
    /// for a server that lacks the backup's roles. The default value is <see langword="false"/>.
    /// </summary>
    public bool SkipOwnership { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a whole-database restore leaves out the database's own properties, which
    /// it otherwise brings back as <c>pg_restore --create</c> would, onto the target database whatever its name: settings
    /// (<c>ALTER DATABASE ... SET</c>, per-role settings in the database, connection limit), comment, and (unless
    /// <see cref="SkipOwnership"/>) owner and privileges. Selective and data-only restores never touch them.
    /// The default value is <see langword="false"/>.
    /// </summary>
    public bool SkipDatabaseProperties { get; set; }

    /// <summary>
    /// Gets or sets the point a base backup is recovered to by replaying archived WAL (point-in-time recovery). With a target,
    /// <see cref="BackupId"/> <c>latest</c> lets the restore choose the base backup for the target (the newest one before a time
    /// or LSN). A logical backup cannot be rolled forward: a target with one is refused. A base backup restored without a
    /// target stops at its consistent point. The default value is <see langword="null"/>.
    /// </summary>
    public PointInTimeTarget? PointInTime { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a point-in-time restore that replays to the end of the archive (latest, a
    /// transaction id or a restore point) may stop at the last consistent point before a missing or damaged WAL file, and
    /// report what was not replayed. Without it, such a restore is refused before anything is written, naming the file.
    /// Time and LSN targets are always refused when WAL they need is missing. The default value is <see langword="false"/>.
    /// </summary>
    public bool AllowEarlyStop { get; set; }

    /// <summary>
    /// Gets or sets the new data directory a base backup is restored into; it must not exist or be empty. Required for a
    /// base backup, unused for a logical one. The default value is <see langword="null"/>.
    /// </summary>
    public string? TargetDirectory { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the server restored from a base backup is started, recovery awaited and where
    /// it stopped checked against the target. Otherwise the data directory is only prepared. The default value is <see langword="false"/>.
    /// </summary>
    public bool StartServer { get; set; }

    /// <summary>Gets or sets the TCP port on 127.0.0.1 of the server restored from a base backup. The default value is 0: a free port.</summary>
    public int Port { get; set; }

    /// <summary>Gets more server settings for the server restored from a base backup, such as <c>fsync = off</c> for a throwaway drill.</summary>
    public IDictionary<string, string> ServerSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
