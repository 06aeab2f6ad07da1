namespace Inknowing.DbResilience.Migrations;

/// <summary>What an adoption or a baseline records for one line of its mapping (<see cref="MigrationAdoptionEntry.Status"/>).</summary>
public enum MigrationAdoptionStatus
{
    /// <summary>Recorded as applied.</summary>
    Completed = 0,

    /// <summary>Recorded as failed, as the other tool's history says.</summary>
    Failed = 1,

    /// <summary>Recorded as rolled back, as the other tool's history says.</summary>
    RolledBack = 2,

    /// <summary>A file left to migrate: the next migrate applies it.</summary>
    Pending = 3,

    /// <summary>Nothing is recorded for this line.</summary>
    NotRecorded = 4,
}
