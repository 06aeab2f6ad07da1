using System.Text;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.PostgreSql;

/// <summary>Passes an Npgsql connection string to a libpq tool: host, port and user in the child's environment, the password only there.</summary>
internal static class LibpqConnection
{
    /// <summary>Puts the connection's host, port, user and password into the tool's environment (never its arguments).</summary>
    public static void Apply(ToolStartInfo start, string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.Host))
        {
            start.Environment["PGHOST"] = builder.Host;
        }

        start.Environment["PGPORT"] = builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(builder.Username))
        {
            start.Environment["PGUSER"] = builder.Username;
        }

        if (!string.IsNullOrEmpty(builder.Password))
        {
            start.Environment["PGPASSWORD"] = builder.Password;
            start.Secrets.Add(builder.Password);
        }

        if (!string.IsNullOrEmpty(builder.Passfile))
        {
            start.Environment["PGPASSFILE"] = builder.Passfile;
        }

        if (builder.SslMode != SslMode.Disable && builder.SslMode != SslMode.Prefer)
        {
            start.Environment["PGSSLMODE"] = builder.SslMode.ToString().ToLowerInvariant().Replace("verify", "verify-", StringComparison.Ordinal);
        }

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
