namespace Inknowing.DbResilience.PostgreSql.Clusters;

/// <summary>Options for a throwaway PostgreSQL cluster started from the local binaries.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>
    /// Gets or sets the directory of initdb, pg_ctl and postgres. The default value is <see langword="null"/>:
    /// the newest <c>/usr/lib/postgresql/*/bin</c>, then PATH.
    /// </summary>
    public string? BinDirectory { get; set; }

    /// <summary>
    /// Gets or sets the directory under which the cluster's own directory is created.
    /// The default value is <see langword="null"/>: the system's temporary directory.
    /// </summary>
    public string? ParentDirectory { get; set; }

    /// <summary>Gets or sets the TCP port on 127.0.0.1. The default value is 0: a free port is chosen.</summary>
    public int Port { get; set; }

    /// <summary>Gets or sets the name of the superuser. The default value is <c>postgres</c>.</summary>
    public string SuperuserName { get; set; } = "postgres";

    /// <summary>
    /// Gets or sets the superuser's password. The default value is <see langword="null"/>: a random one is generated.
    /// Authentication over TCP is scram-sha-256.
    /// </summary>
    public string? SuperuserPassword { get; set; }

    /// <summary>
    /// Gets or sets the operating-system user that runs the server when this process is root (PostgreSQL refuses to run as root).
    /// The default value is <c>postgres</c>. Ignored when this process is not root.
    /// </summary>
    public string OsUser { get; set; } = "postgres";

    /// <summary>Gets or sets a value indicating whether data checksums are on. The default value is <see langword="true"/>.</summary>
    public bool DataChecksums { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether WAL segments are archived (with <c>archive_mode = on</c>) into
    /// <see cref="LocalPostgreSqlCluster.ArchiveDirectory"/>. The default value is <see langword="false"/>.
    /// </summary>
    public bool EnableArchiving { get; set; }

    /// <summary>
    /// Gets or sets the name of a role created with LOGIN and REPLICATION, its password being the superuser's.
    /// The default value is <see langword="null"/>: no such role.
    /// </summary>
    public string? ReplicationRole { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the server skips fsync (faster, for tests and scratch restores only:
    /// a crash of the machine loses the cluster). The default value is <see langword="false"/>.
    /// </summary>
    public bool DisableFsync { get; set; }

    /// <summary>Gets more server settings written to postgresql.conf, for example <c>max_connections</c>.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets how long to wait for the server to start or stop. The default value is 60 seconds.
    /// </summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
