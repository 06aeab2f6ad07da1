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
}
