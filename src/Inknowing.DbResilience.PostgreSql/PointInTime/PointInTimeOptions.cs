namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>Options for base backups, WAL archiving and streaming, and point-in-time restores.</summary>
public sealed class PointInTimeOptions
{
    /// <summary>Gets or sets how base backups are compressed. The default value is <see cref="BaseBackupCompression.Lz4"/>.</summary>
    public BaseBackupCompression Compression { get; set; } = BaseBackupCompression.Lz4;

    /// <summary>
    /// Gets or sets how many WAL files a restore downloads at once into its staging directory. The default value is 4.
    /// </summary>
    public int FetchParallelism { get; set; } = 4;

    /// <summary>Gets or sets the physical replication slot of the streaming receiver. The default value is <c>dbresilience</c>.</summary>
    public string SlotName { get; set; } = "dbresilience";

    /// <summary>
    /// Gets or sets how often the streaming receiver stores the segment it is writing as a <c>.partial</c> file (only
    /// when new WAL has arrived): the streaming RPO is about this interval plus one write to storage.
    /// The default value is 500 milliseconds.
    /// </summary>
    public TimeSpan PartialFlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets a value indicating whether the streaming receiver acknowledges WAL only once it is stored, so that the
    /// server can list it in <c>synchronous_standby_names</c> (zero data loss, at the cost of commit latency).
    /// The default value is <see langword="false"/>.
    /// </summary>
    public bool Synchronous { get; set; }

    /// <summary>
    /// Gets or sets the <c>application_name</c> the streaming receiver connects with (the name to put in
    /// <c>synchronous_standby_names</c>). The default value is <c>dbresilience_receiver</c>.
    /// </summary>
    public string ApplicationName { get; set; } = "dbresilience_receiver";

    /// <summary>
    /// Gets or sets how long a restore started with <c>Start</c> may take to replay WAL and leave recovery.
    /// The default value is 30 minutes.
    /// </summary>
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
