using System.Reflection;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>The migration sources and how the PostgreSQL migration runner applies them.</summary>
public sealed class MigrationOptions
{
    /// <summary>Gets the sources whose scripts are applied together. The default value is empty: add one with <see cref="FromDirectory"/>, <see cref="FromAssembly"/> or <see cref="FromCode"/>.</summary>
    public IList<IMigrationSource> Sources { get; } = new List<IMigrationSource>();

    /// <summary>
    /// Gets or sets how long to wait for the migration lock held by another process before failing with
    /// <see cref="MigrationLockTimeoutException"/>. The default value is 5 minutes.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the time limit of each statement; <see cref="TimeSpan.Zero"/> means none. The default value is <see cref="TimeSpan.Zero"/>.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets a value indicating whether pending versions older than the newest applied one may be applied. The default value is <see langword="false"/>.</summary>
    public bool AllowOutOfOrder { get; set; }

    /// <summary>Gets or sets a value indicating whether migrate refuses to run when an applied script changed since it ran. The default value is <see langword="true"/>.</summary>
    public bool ValidateOnMigrate { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the seed scripts run after the migrations (for example only in Development). The default value is <see langword="false"/>.</summary>
    public bool RunSeeds { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a restore point (<c>pg_create_restore_point</c>) is created before each
    /// migration and recorded in its history metadata. When the role may not call it (or <c>wal_level</c> is
    /// <c>minimal</c>), the name and LSN are recorded as null and a warning is logged. The default value is <see langword="true"/>.
    /// </summary>
    public bool CreateRestorePoints { get; set; } = true;

    /// <summary>
    /// Gets or sets how many consecutive scripts that run in a transaction are sent to the server in one round trip. Each
    /// script still runs in a transaction of its own, committed before the next one starts, with its own restore point and
    /// history row; when one fails, the ones before it stay applied and the ones after it do not run, exactly as when they
    /// are sent one by one. A script that runs outside a transaction, or more than 1 MiB of SQL, is always sent alone, and
    /// so is every script when <see cref="CommandTimeout"/> is set. 1 sends every script on its own. The default value is 50.
    /// </summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// Gets or sets a value indicating whether the migration verbs go ahead while the library's own history is empty and
    /// another tool's history (a SQL framework's <c>schema_migrations</c>, Flyway, DbUp, EF Core) is in the database: set it
    /// only when that history belongs to another application sharing the database. Otherwise adopt it
    /// (<see cref="IMigrationAdopter"/>) or baseline. Tables of the library's names in its own schema that are not its own
    /// are refused regardless. The default value is <see langword="false"/>: such a history is refused with
    /// <see cref="ForeignMigrationHistoryException"/>.
    /// </summary>
    public bool IgnoreForeignHistories { get; set; }

    /// <summary>Gets or sets a value indicating whether the hosted service applies the migrations when the application starts. The default value is <see langword="false"/>.</summary>
    public bool MigrateAtStartup { get; set; }

    /// <summary>Gets the tables (optionally schema-qualified) that <c>validate</c> expects to exist. The default value is empty.</summary>
    public IList<string> ExpectedTables { get; } = new List<string>();

    /// <summary>Gets the indexes (optionally schema-qualified) that <c>validate</c> expects to exist and be valid. The default value is empty.</summary>
    public IList<string> ExpectedIndexes { get; } = new List<string>();

    /// <summary>Adds the <c>*.sql</c> scripts of a directory.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is <see langword="null"/> or empty.</exception>
    public MigrationOptions FromDirectory(string path)
    {
        Sources.Add(new DirectoryMigrationSource(path));
        return this;
    }

    /// <summary>Adds the <c>*.sql</c> embedded resources of an assembly.</summary>
    /// <param name="assembly">The assembly.</param>
    /// <param name="prefix">The resource-name prefix, such as <c>MyApp.Migrations.</c>.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public MigrationOptions FromAssembly(Assembly assembly, string prefix = "")
    {
        Sources.Add(new EmbeddedResourceMigrationSource(assembly, prefix));
        return this;
    }

    /// <summary>Adds migrations defined in code.</summary>
    /// <param name="define">Adds the migrations, for example <c>c =&gt; c.Add("1", "init", "CREATE TABLE ...")</c>.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="define"/> is <see langword="null"/>.</exception>
    public MigrationOptions FromCode(Action<CodeMigrationSource> define)
    {
        ArgumentNullException.ThrowIfNull(define);
        var source = new CodeMigrationSource();
        define(source);
        Sources.Add(source);
        return this;
    }
}
