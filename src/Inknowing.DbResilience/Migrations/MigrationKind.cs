namespace Inknowing.DbResilience.Migrations;

/// <summary>What a migration script does, from the prefix of its file name.</summary>
public enum MigrationKind
{
    /// <summary><c>V&lt;version&gt;__&lt;name&gt;.sql</c>: applies a change, once, in version order.</summary>
    Versioned,

    /// <summary><c>R&lt;version&gt;__&lt;name&gt;.sql</c>: undoes the versioned migration of the same version.</summary>
    Rollback,

    /// <summary><c>S&lt;version&gt;__&lt;name&gt;.sql</c>: seed data, run after the migrations when seeds are enabled.</summary>
    Seed,

    /// <summary><c>A__&lt;name&gt;.sql</c> ("always"): re-applied after the versioned migrations whenever its checksum changes (views, functions).</summary>
    Repeatable,
}
