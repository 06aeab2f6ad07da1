namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>The kinds of problem the WAL chain verification finds.</summary>
public enum WalChainProblemKind
{
    /// <summary>Segments are missing between two stored ones: recovery cannot pass the gap.</summary>
    Gap,

    /// <summary>Segments of a timeline are stored but not its history file: recovery cannot follow the timeline switch.</summary>
    MissingHistory,

    /// <summary>A base backup lacks the WAL it needs to become consistent.</summary>
    UnrestorableBaseBackup,

    /// <summary>A stored WAL or history file is damaged: no checksum record, a size or SHA-256 that differs, or unsound WAL.</summary>
    CorruptWalFile,

    /// <summary>A base backup's data is damaged or missing: its size or SHA-256 differs from its manifest, or its checksum record is missing.</summary>
    CorruptBaseBackup,

    /// <summary>A base backup's manifest exists but cannot be trusted: unreadable, or not matching its own SHA-256 or its storage's checksum.</summary>
    DamagedManifest,
}
