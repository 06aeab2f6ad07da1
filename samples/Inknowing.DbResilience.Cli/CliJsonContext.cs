using System.Text.Json;
using System.Text.Json.Serialization;
using Inknowing.DbResilience.Backups;
using Inknowing.DbResilience.Cli.Commands;
using Inknowing.DbResilience.Migrations;
using Inknowing.DbResilience.PostgreSql.Diagnostics;
using Inknowing.DbResilience.PostgreSql.PointInTime;
using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.Cli;

/// <summary>
/// The source-generated JSON metadata of every <c>--json</c> output, one entry per type a command writes. Used through
/// <see cref="CliJson.Options"/>, which adds the camelCase enum converters and the relaxed encoder.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(BackupCommand.Output), TypeInfoPropertyName = "BackupOutput")]
[JsonSerializable(typeof(List<BackupsCommand.Item>))]
[JsonSerializable(typeof(BackupVerificationResult))]
[JsonSerializable(typeof(PruneCommand.Output), TypeInfoPropertyName = "PruneOutput")]
[JsonSerializable(typeof(DrillCommand.Output), TypeInfoPropertyName = "DrillOutput")]
[JsonSerializable(typeof(IntegrityCommand.Output), TypeInfoPropertyName = "IntegrityOutput")]
[JsonSerializable(typeof(StorageCommand.Listing))]
[JsonSerializable(typeof(StorageCommand.CopyReport))]
[JsonSerializable(typeof(PostgreSqlServerInfo))]
[JsonSerializable(typeof(MigrationRunResult))]
[JsonSerializable(typeof(IReadOnlyList<MigrationStatusEntry>))]
[JsonSerializable(typeof(MigrationValidationReport))]
[JsonSerializable(typeof(MigrationAdoptionResult))]
[JsonSerializable(typeof(RestoreResult))]
[JsonSerializable(typeof(TableRestoreResult))]
[JsonSerializable(typeof(BaseBackupCommand.Output), TypeInfoPropertyName = "BaseBackupOutput")]
[JsonSerializable(typeof(PitrCommand.WindowOutput), TypeInfoPropertyName = "WindowOutput")]
[JsonSerializable(typeof(PitrCommand.DrillOutput), TypeInfoPropertyName = "PitrDrillOutput")]
[JsonSerializable(typeof(IReadOnlyList<ServerSettingCheck>))]
[JsonSerializable(typeof(PitrCommand.RestoreOutput))]
[JsonSerializable(typeof(List<JobsCommand.Job>), TypeInfoPropertyName = "JobList")]
[JsonSerializable(typeof(HealthCommand.Output), TypeInfoPropertyName = "HealthOutput")]
internal sealed partial class CliJsonContext : JsonSerializerContext;
