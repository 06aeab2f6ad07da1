namespace Inknowing.DbResilience.Migrations;

/// <summary>How one row of an adopted history, or one migration file, was matched.</summary>
public enum MigrationAdoptionMatch
{
    /// <summary>The file of the same version and name has the checksum the history recorded: adopted as it is.</summary>
    Matched,

    /// <summary>
    /// The file of the same version and name was found, but the history's checksum cannot be compared with the library's
    /// SHA-256 (Flyway's CRC32, or none at all): the file's checksum is recorded as the applied one (re-based).
    /// </summary>
    Rebased,

    /// <summary>
    /// The file of the same version and name differs from what the history says ran: the history's checksum is kept, so
    /// <c>validate</c> and <c>migrate</c> report the drift as for any applied file that changed (a repeatable script is
    /// applied again by the next migrate).
    /// </summary>
    ChecksumDiffers,

    /// <summary>A file of the same version has another name and no checksum confirms it is the script that ran: adoption refuses.</summary>
    NameDiffers,

    /// <summary>A history row whose version has no file: adopted (status shows it as <c>missing</c>, and a stored rollback still works).</summary>
    NoFile,

    /// <summary>A history row from which no version can be read (a DbUp script name without a number): reported, not adopted.</summary>
    Unmapped,

    /// <summary>A file with no history row: it stays pending and the next migrate applies it.</summary>
    NotInHistory,

    /// <summary>A file at or below a baseline's version: recorded as applied without running.</summary>
    Baselined,
}
