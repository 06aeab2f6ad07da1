using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.Notifications;
using Inknowing.DbResilience.PostgreSql.Integrity;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Restore;
using Inknowing.DbResilience.Retention;
using Inknowing.DbResilience.Scheduling;
using Inknowing.DbResilience.Storage;

namespace Inknowing.DbResilience.Cli;

/// <summary>
/// The JSON settings of every <c>--json</c> output: camelCase names, ISO 8601 times, enums as camelCase strings. The
/// metadata is source-generated (<see cref="CliJsonContext"/>), so the output needs no reflection and the NativeAOT
/// binary writes exactly what the JIT-compiled CLI writes.
/// </summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,

        // Output for terminals and scripts, never embedded in HTML: keep '+', quotes and non-ASCII readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = CliJsonContext.Default,

        // One converter per public enum of the packages: the generic converter needs no run-time code generation.
        // CliJsonTests checks that no public enum is missing here (one would be written as a number).
        Converters =
        {
            new JsonStringEnumConverter<BackupCompression>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<BackupFormat>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<BackupStatus>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<BackupKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<BackupFileRole>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<MigrationKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<MigrationProblemKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<MigrationHistoryFormat>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<MigrationAdoptionMatch>(JsonNamingPolicy.CamelCase),

            // The migration states and actions keep the tracking tables' words (rolled_back, and empty for nothing recorded).
            new MigrationText.Converter<MigrationState>(MigrationText.Of),
            new MigrationText.Converter<MigrationAdoptionStatus>(MigrationText.Of),
            new MigrationText.Converter<MigrationAction>(MigrationText.Of),
            new JsonStringEnumConverter<PointInTimeTargetKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<RestoreSourceFormat>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<TableRestoreMode>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<TableRestorePlanTableRole>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<StorageCopyOutcome>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<RetentionAction>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<RetentionCandidateState>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<IntegrityStatus>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<BaseBackupCompression>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<RecoveryTargetKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<WalChainProblemKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<WalFileKind>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<NotificationOperation>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<NotificationSeverity>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<JobOutcome>(JsonNamingPolicy.CamelCase),
            new JsonStringEnumConverter<MissedRunPolicy>(JsonNamingPolicy.CamelCase),
            new VersionConverter(),
        },
    };

    /// <summary>Writes <paramref name="value"/> as indented JSON on standard output.</summary>
    /// <typeparam name="T">A type that <see cref="CliJsonContext"/> lists.</typeparam>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not in <see cref="CliJsonContext"/>.</exception>
    public static void Write<T>(T value)
        => Console.WriteLine(JsonSerializer.Serialize(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T))));

    internal sealed class VersionConverter : JsonConverter<Version>
    {
        public override Version Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => Version.Parse(reader.GetString()!);

        public override void Write(Utf8JsonWriter writer, Version value, JsonSerializerOptions options)
            => writer.WriteStringValue(value.ToString());
    }
}
