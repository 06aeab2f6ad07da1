using Inknowing.DbResilience.PostgreSql.Migrations;

namespace Inknowing.DbResilience.Tests.PostgreSql.Migrations;

public sealed class SqlScriptParserTests
{
    [Test]
    public void Parse_QuotesCommentsAndDollarQuotes_SplitsOnlyOnRealSemicolons()
    {
        const string sql = """
            -- a comment; with a semicolon
            INSERT INTO t VALUES ('a;b', 'it''s; fine', E'\'; still', "we;ird");
            /* block /* nested; */ still comment; */
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END; $body$;
            CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $$ SELECT 'x;y' $$;
            SELECT $1x$ FROM t;
            """;

        var statements = SqlScriptParser.Parse(sql).Statements;

        statements.Should().HaveCount(4);
        statements[0].Text.Should().StartWith("INSERT").And.EndWith("\"we;ird\")");
        statements[0].Line.Should().Be(2);
        statements[1].Text.Should().EndWith("$body$");
        statements[1].Line.Should().Be(4);
        statements[2].Text.Should().EndWith("$$");
        statements[3].Line.Should().Be(6);
    }

    [Test]
    public void Parse_BeginAtomicBody_KeepsTheFunctionWhole()
    {
        const string sql = """
            CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN a > 0 THEN a ELSE 0 END + b;
              SELECT 1;
            END;
            CREATE TABLE t (id int);
            """;

        var statements = SqlScriptParser.Parse(sql).Statements;

        statements.Should().HaveCount(2);
        statements[0].Text.Should().EndWith("END");
        statements[1].Text.Should().Be("CREATE TABLE t (id int)");
        statements[1].Line.Should().Be(6);
    }

    [TestCase("CREATE INDEX CONCURRENTLY i ON t (a)", true)]
    [TestCase("create unique index concurrently if not exists i on t (a)", true)]
    [TestCase("DROP INDEX CONCURRENTLY i", true)]
    [TestCase("REINDEX (VERBOSE) TABLE CONCURRENTLY t", true)]
    [TestCase("VACUUM ANALYZE t", true)]
    [TestCase("ALTER SYSTEM SET work_mem = '8MB'", true)]
    [TestCase("CREATE DATABASE x", true)]
    [TestCase("ALTER TABLE p DETACH PARTITION c CONCURRENTLY", true)]
    [TestCase("CREATE INDEX i ON t (a)", false)]
    [TestCase("INSERT INTO t VALUES ('CREATE INDEX CONCURRENTLY')", false)]
    [TestCase("/* VACUUM */ SELECT 1", false)]
    [TestCase("COMMENT ON TABLE t IS 'VACUUM'", false)]
    public void Parse_Statement_DetectsNonTransactional(string sql, bool expected)
    {
        var script = SqlScriptParser.Parse(sql + ";");

        script.Statements.Single().NonTransactional.Should().Be(expected);
        script.RunsOutsideTransaction.Should().Be(expected);
    }

    [TestCase("CREATE TABLE t (id int PRIMARY KEY, name text DEFAULT 'select as')", false)]
    [TestCase("ALTER TABLE t ADD COLUMN x int", false)]
    [TestCase("DROP TABLE t; COMMENT ON TABLE u IS 'x'", false)]
    [TestCase("GRANT SELECT ON t TO app", true)]
    [TestCase("CREATE TABLE t2 AS SELECT * FROM t", true)]
    [TestCase("CREATE MATERIALIZED VIEW v AS SELECT 1", true)]
    [TestCase("CREATE TABLE t (id int); INSERT INTO t VALUES (1)", true)]
    [TestCase("UPDATE t SET id = 2", true)]
    [TestCase("DO $$ BEGIN CREATE TABLE t (id int); END $$", true)]
    public void Parse_Statements_KnowsWhetherAnyMayReportRows(string sql, bool reportsRows)
    {
        SqlScriptParser.Parse(sql).ReportsRows.Should().Be(reportsRows);
    }

    [Test]
    public void Parse_Directive_RunsOutsideTransaction()
    {
        var script = SqlScriptParser.Parse("-- dbresilience:no-transaction\nALTER TYPE mood ADD VALUE 'x';\n");

        script.NoTransactionDirective.Should().BeTrue();
        script.RunsOutsideTransaction.Should().BeTrue();
    }

    [Test]
    public void Parse_CommentsOnlyAndTrailingStatementWithoutSemicolon_KeepsOnlyStatements()
    {
        var statements = SqlScriptParser.Parse("-- only a comment\n\n/* and this */\nSELECT 1").Statements;

        statements.Should().ContainSingle().Which.Text.Should().Be("SELECT 1");
        statements[0].Line.Should().Be(4);
    }

    [Test]
    public void Parse_FidelitySchema_FindsEveryCreateStatement()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Inknowing.DbResilience.sln")))
        {
            root = Path.GetDirectoryName(root)!;
        }

        var sql = File.ReadAllText(Path.Combine(root, "tests", "Inknowing.DbResilience.IntegrationTests", "Fixtures", "fidelity-schema.sql"));

        var statements = SqlScriptParser.Parse(sql).Statements;

        statements.Count(s => s.Text.StartsWith("CREATE ", StringComparison.Ordinal)).Should().Be(81);
        statements.Should().OnlyContain(s => !s.NonTransactional);
    }
}
