using System.Text.Json;
using System.Text.Json.Serialization;
using Inknowing.DbResilience.Migrations;

namespace Inknowing.DbResilience.Cli;

/// <summary>
/// The words the CLI prints and writes in its JSON for the migration enums: the texts of the tracking tables
/// (<c>rolled_back</c>, <c>apply</c>), mapped one by one so scripts reading the output never see a renamed member.
/// </summary>
internal static class MigrationText
{
    public static string Of(MigrationState state) => state switch
    {
        MigrationState.Pending => "pending",
        MigrationState.Running => "running",
        MigrationState.Completed => "completed",
        MigrationState.Failed => "failed",
        MigrationState.RolledBack => "rolled_back",
        MigrationState.Adopted => "adopted",
        MigrationState.Baselined => "baselined",
        MigrationState.Missing => "missing",
        MigrationState.Changed => "changed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown migration state."),
    };

    public static string Of(MigrationAdoptionStatus status) => status switch
    {
        MigrationAdoptionStatus.Completed => "completed",
        MigrationAdoptionStatus.Failed => "failed",
        MigrationAdoptionStatus.RolledBack => "rolled_back",
        MigrationAdoptionStatus.Pending => "pending",
        MigrationAdoptionStatus.NotRecorded => string.Empty,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown adoption status."),
    };

    public static string Of(MigrationAction action) => action switch
    {
        MigrationAction.Apply => "apply",
        MigrationAction.Rollback => "rollback",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown migration action."),
    };

    /// <summary>Writes an enum as its CLI word (<see cref="Of(MigrationState)"/> and the others); the CLI only writes JSON.</summary>
    internal sealed class Converter<T>(Func<T, string> text) : JsonConverter<T>
        where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => throw new NotSupportedException("The CLI writes migration states; it never reads them.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(text(value));
    }
}
