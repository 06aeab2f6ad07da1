using Inknowing.DbResilience.PostgreSql;
using Inknowing.DbResilience.PostgreSql.Tools;
using Npgsql;

namespace Inknowing.DbResilience.Tests.PostgreSql.Internal;

public sealed class LibpqConnectionTests
{
    private const string Password = "pa ss'w\"ord-7f3a";

    [Test]
    public void Apply_ConnectionWithPassword_KeepsEverySecretOutOfTheArguments()
    {
        var start = new ToolStartInfo("/usr/bin/pg_dump");

        var connection = new NpgsqlConnectionStringBuilder
        {
            Host = "db.internal",
            Port = 6543,
            Username = "backup",
            Password = Password,
            Database = "shop",
            SslMode = SslMode.VerifyFull,
            Timeout = 9,
        };

        LibpqConnection.Apply(start, connection.ConnectionString);

        start.Arguments.Should().Equal("--no-password");
        start.Environment.Should().Contain(new Dictionary<string, string>
        {
            ["PGHOST"] = "db.internal",
            ["PGPORT"] = "6543",
            ["PGUSER"] = "backup",
            ["PGPASSWORD"] = Password,
            ["PGSSLMODE"] = "verify-full",
            ["PGCONNECT_TIMEOUT"] = "9",
        });
        start.Secrets.Should().Equal(Password);
    }

    [Test]
    public void Apply_NoPassword_SetsNoPasswordVariable()
    {
        var start = new ToolStartInfo("/usr/bin/pg_restore");

        LibpqConnection.Apply(start, "Host=127.0.0.1;Username=app");

        start.Environment.Should().NotContainKey("PGPASSWORD");
        start.Secrets.Should().BeEmpty();
        start.Environment["PGSSLMODE"].Should().Be("prefer");
    }

    [TestCase("shop", "dbname='shop'")]
    [TestCase("it's", @"dbname='it\'s'")]
    [TestCase(@"a\b host=evil", @"dbname='a\\b host=evil'")]
    public void DatabaseOnly_AnyName_IsQuotedSoItCannotAddOptions(string database, string expected)
    {
        LibpqConnection.DatabaseOnly(database).Should().Be(expected);
    }
}
