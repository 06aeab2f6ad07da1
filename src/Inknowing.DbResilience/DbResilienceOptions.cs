namespace Inknowing.DbResilience;

/// <summary>Options that every capability shares, set once on the builder.</summary>
public sealed class DbResilienceOptions
{
    /// <summary>The default value of <see cref="Schema"/>.</summary>
    public const string DefaultSchema = "dbresilience";

    /// <summary>
    /// Gets or sets the schema of the library's own tables in the protected database: <c>schema_migrations</c>,
    /// <c>migration_history</c>, <c>backup_history</c> and <c>recovery_history</c>, created on first use. Set it with
    /// <c>UseSchema(...)</c> (the CLI: <c>--schema</c>). A plain identifier: letters, digits and underscores, at most 63.
    /// The default value is <c>dbresilience</c>.
    /// </summary>
    public string Schema { get; set; } = DefaultSchema;
}
