using System.Globalization;
using System.Text;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>Passes an Npgsql connection string to a libpq tool: host, port and user in the child's environment, the password only there.</summary>
internal static class LibpqConnection
{
    /// <summary>Puts the connection's host, port, user and password into the tool's environment (never its arguments).</summary>
    public static void Apply(ToolStartInfo start, string connectionString)
        => Apply(start, new NpgsqlConnectionStringBuilder(connectionString));

    /// <summary>
    /// Puts the connection's host, port, user, password, passfile, SSL mode and connect timeout into the tool's environment,
    /// the password redacted from its messages, and adds <c>--no-password</c> so a tool never waits at a prompt.
    /// </summary>
    public static void Apply(ToolStartInfo start, NpgsqlConnectionStringBuilder connection)
    {
        if (!string.IsNullOrEmpty(connection.Host))
        {
            start.Environment["PGHOST"] = connection.Host;
        }

        start.Environment["PGPORT"] = connection.Port.ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(connection.Username))
        {
            start.Environment["PGUSER"] = connection.Username;
        }

        if (!string.IsNullOrEmpty(connection.Password))
        {
            start.Environment["PGPASSWORD"] = connection.Password;
            start.Secrets.Add(connection.Password);
        }

        if (!string.IsNullOrEmpty(connection.Passfile))
        {
            start.Environment["PGPASSFILE"] = connection.Passfile;
        }

        start.Environment["PGSSLMODE"] = connection.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        };
        start.Environment["PGCONNECT_TIMEOUT"] = Math.Max(connection.Timeout, 2).ToString(CultureInfo.InvariantCulture);
        start.Environment["PGAPPNAME"] = "dbresilience";
        start.Arguments.Add("--no-password");
    }

    /// <summary>Returns a libpq connection string that names only the database, quoted so no name can be read as options.</summary>
    public static string DatabaseOnly(string database)
    {
        var quoted = new StringBuilder("dbname='");
        foreach (var c in database)
        {
            if (c is '\\' or '\'')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('\'').ToString();
    }
}
