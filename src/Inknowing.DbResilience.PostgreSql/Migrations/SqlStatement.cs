namespace Inknowing.DbResilience.PostgreSql.Migrations;

/// <summary>One statement of a script, found by <see cref="SqlScriptParser"/>.</summary>
/// <param name="Text">The statement, without its terminating semicolon.</param>
/// <param name="Offset">The character offset of <paramref name="Text"/> in the script.</param>
/// <param name="Line">The 1-based line where it starts.</param>
/// <param name="NonTransactional">Whether PostgreSQL refuses to run it inside a transaction block.</param>
/// <param name="ReportsRows">
/// Whether its command tag may carry a row count; <see langword="false"/> only for plain DDL (CREATE, ALTER, DROP, COMMENT,
/// GRANT, REVOKE without AS or SELECT), whose tag never does, so the runner knows the script's row count before it runs.
/// </param>
internal sealed record SqlStatement(string Text, int Offset, int Line, bool NonTransactional, bool ReportsRows = true);
