using System.Globalization;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.PointInTime;

/// <summary>Turns an Npgsql connection string into libpq arguments (host, port, user) and PGPASSWORD, never a password in argv.</summary>
internal static class ConnectionArguments
{
    public static void Apply(ToolStartInfo start, string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.Host))
        {
            start.Arguments.AddRange(["-h", builder.Host]);
        }

        start.Arguments.AddRange(["-p", builder.Port.ToString(CultureInfo.InvariantCulture)]);
        if (!string.IsNullOrEmpty(builder.Username))
        {
            start.Arguments.AddRange(["-U", builder.Username]);
        }

        start.Arguments.Add("-w");
        if (!string.IsNullOrEmpty(builder.Password))
        {
            start.Environment["PGPASSWORD"] = builder.Password;
            start.Secrets.Add(builder.Password);
        }

        if (builder.SslMode != SslMode.Prefer)
        {
            start.Environment["PGSSLMODE"] = builder.SslMode.ToString().ToLowerInvariant() switch
            {
                "verifyca" => "verify-ca",
                "verifyfull" => "verify-full",
                var mode => mode,
            };
        }
    }
}
