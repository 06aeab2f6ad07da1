namespace Inknowing.DbResilience.Migrations;

/// <summary>What <see cref="IMigrationAdopter.AdoptAsync"/> should import, and how.</summary>
public sealed class MigrationAdoptionRequest
{
    /// <summary>
    /// Gets or sets whose history to import. The default value is <see langword="null"/>: the only adoptable history in the
    /// database (several found is an error that names them).
    /// </summary>
    public MigrationHistoryFormat? From { get; set; }

    /// <summary>Gets or sets the schema of the history to import. The default value is <see langword="null"/>: wherever the one history of that format is.</summary>
    public string? SourceSchema { get; set; }

    /// <summary>Gets or sets a value indicating whether to print the mapping only and change nothing. The default value is <see langword="false"/>.</summary>
    public bool DryRun { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the imported tables are renamed aside (<c>&lt;name&gt;_adopted</c>) in the
    /// transaction that writes the library's history, so that no tool writes to them again. Needed when they have the
    /// library's table names in the library's schema. The default value is <see langword="false"/>: they are left in place.
    /// </summary>
    public bool RenameSource { get; set; }
}
