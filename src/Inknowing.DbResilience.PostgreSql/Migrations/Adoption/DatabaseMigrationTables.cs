using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.PostgreSql.Migrations.Adoption;

/// <summary>What the database holds in the way of migration tables, as seen from the library's schema.</summary>
/// <param name="Conflicts">Tables of the library's names in its schema that are not the library's.</param>
/// <param name="LibraryRows">The rows of the library's <c>schema_migrations</c>; 0 when it does not exist.</param>
/// <param name="Foreign">Every other migration history in the database, with its row count.</param>
internal sealed record DatabaseMigrationTables(
    IReadOnlyList<ForeignMigrationHistory> Conflicts,
    long LibraryRows,
    IReadOnlyList<ForeignMigrationHistory> Foreign)
{
    /// <summary>Gets the histories that stop the library while its own history is empty: those with rows, or unreadable.</summary>
    public IReadOnlyList<ForeignMigrationHistory> Blocking => LibraryRows > 0 ? [] : Foreign.Where(f => f.Rows is null or > 0).ToArray();
}
