using Microsoft.Extensions.Options;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.DependencyInjection;

/// <summary>Checks <see cref="PostgreSqlOptions"/> at start-up, naming the call that fixes each problem.</summary>
internal sealed class PostgreSqlOptionsValidator : IValidateOptions<PostgreSqlOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgreSqlOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("No PostgreSQL connection string: call UsePostgreSql(connectionString) (the CLI: --connection or DBRESILIENCE_CONNECTION).");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                // The message of Npgsql names the bad keyword, never the value, so no secret leaks here.
                errors.Add($"The PostgreSQL connection string is not valid ({ex.Message}): fix the value given to UsePostgreSql(...).");
            }
        }

        if (options.ToolsDirectory is { Length: > 0 } tools && !Directory.Exists(tools))
        {
            errors.Add($"PostgreSqlOptions.ToolsDirectory '{tools}' does not exist: point it at the directory that holds pg_dump, or leave it empty to search PATH.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
