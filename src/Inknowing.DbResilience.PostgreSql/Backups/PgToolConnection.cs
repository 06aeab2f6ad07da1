using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql.Backups;

/// <summary>Puts the connection of a PostgreSQL tool on its command line and the password in its environment only.</summary>
internal static class PgToolConnection
{
    /// <summary>Adds host, port and user arguments, and PGPASSWORD (redacted from messages) plus SSL settings to the environment.</summary>
    public static void Apply(ToolStartInfo start, NpgsqlConnectionStringBuilder connection)
    {
        if (!string.IsNullOrEmpty(connection.Host))
        {
            start.Arguments.Add("--host=" + connection.Host);
        }

        start.Arguments.Add("--port=" + connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(connection.Username))
        {
            start.Arguments.Add("--username=" + connection.Username);
        }

        start.Arguments.Add("--no-password");
        if (!string.IsNullOrEmpty(connection.Password))
        {
            start.Environment["PGPASSWORD"] = connection.Password;
            start.Secrets.Add(connection.Password);
        }

        start.Environment["PGAPPNAME"] = "dbresilience";
        start.Environment["PGCONNECT_TIMEOUT"] = Math.Max(connection.Timeout, 2).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sslMode = connection.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        };
        start.Environment["PGSSLMODE"] = sslMode;
    }
}
