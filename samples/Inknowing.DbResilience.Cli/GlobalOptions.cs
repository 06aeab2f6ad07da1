using System.CommandLine;

namespace Inknowing.DbResilience.Cli;

/// <summary>The options every command accepts.</summary>
internal static class GlobalOptions
{
    public const string ConnectionVariable = "DBRESILIENCE_CONNECTION";
    public const string StorageVariable = "DBRESILIENCE_STORAGE";

    public static Option<string?> Connection { get; } = new("--connection")
    {
        Description = $"Npgsql connection string of the database (default: ${ConnectionVariable}). Prefer the environment variable or PGPASSWORD for passwords: arguments are visible to other users.",
        Recursive = true,
    };

    public static Option<string[]> Storage { get; } = new("--storage")
    {
        Description = $"Where backups live; repeat for more copies (default: ${StorageVariable}, ';'-separated). "
            + "file:///abs/path or s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&pathStyle=true "
            + "(also compatibility=true, partSizeMiB=N, storageClass=C; S3 credentials from the standard AWS environment variables) "
            + "or azblob://container/prefix?endpoint=https://ACCOUNT.blob.core.windows.net (also blockSizeMiB=N; Azure credentials "
            + "from AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY; never in the URI).",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    public const string SchemaVariable = "DBRESILIENCE_SCHEMA";

    // Not --schema: backup and restore already use --schema to choose the database schemas to dump or restore. The
    // migration verbs, which have no such option, also accept --schema for this (MigrationCli.Schema).
    public static Option<string?> LibrarySchema { get; } = new("--library-schema")
    {
        Description = $"Schema of the library's own tables in the database: schema_migrations, migration_history, backup_history, recovery_history (default: ${SchemaVariable}, else {DbResilienceOptions.DefaultSchema}).",
        Recursive = true,
    };

    public static Option<bool> Json { get; } = new("--json")
    {
        Description = "Write the result as JSON on standard output, for scripts.",
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Connection);
        root.Options.Add(Storage);
        root.Options.Add(LibrarySchema);
    }
}
