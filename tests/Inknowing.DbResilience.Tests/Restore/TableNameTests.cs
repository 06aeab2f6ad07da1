using Inknowing.DbResilience.Restore;

namespace Inknowing.DbResilience.Tests.Restore;

public sealed class TableNameTests
{
    [TestCase("public.film", "public", "film")]
    [TestCase("film", "public", "film")]
    [TestCase("Sales.Orders", "sales", "orders")]
    [TestCase("\"Sales\".\"Order Lines\"", "Sales", "Order Lines")]
    [TestCase("\"my.schema\".\"a\"\"b\"", "my.schema", "a\"b")]
    [TestCase("public.\"Fïlm Notes ✓\"", "public", "Fïlm Notes ✓")]
    public void Parse_ValidName_KeepsQuotedSpellingAndFoldsUnquoted(string text, string schema, string name)
    {
        var table = TableName.Parse(text);

        table.Schema.Should().Be(schema);
        table.Name.Should().Be(name);
    }

    [TestCase("\"Mixed.Schema\".\"Order Lines Copy\"", "Mixed.Schema", "Order Lines Copy")]
    [TestCase("\"Order Lines Copy\"", "Shop Schema", "Order Lines Copy")]
    [TestCase("Copy", "Shop Schema", "copy")]
    public void Parse_WithDefaultSchema_UsesItOnlyForAOnePartName(string text, string schema, string name)
    {
        var table = TableName.Parse(text, "Shop Schema");

        table.Should().Be(new TableName(schema, name));
    }

    [TestCase("")]
    [TestCase("a.b.c")]
    [TestCase("\"unclosed.table")]
    [TestCase("public.")]
    [TestCase("pu\"blic.x")]
    [TestCase("\"a\"x.y")]
    public void Parse_InvalidName_ThrowsFormatExceptionWithTheFix(string text)
    {
        var parse = () => TableName.Parse(text);

        parse.Should().Throw<FormatException>().WithMessage("*SCHEMA.TABLE*");
    }

    [Test]
    public void Parse_PartOf63BytesOfMultiByteCharacters_KeepsIt()
    {
        var name = new string('表', 21);

        TableName.Parse("\"ünïcødé\".\"" + name + "\"").Should().Be(new TableName("ünïcødé", name));
    }

    [TestCase("public.\"{0}\"")]
    [TestCase("\"{0}\".t")]
    [TestCase("{0}")]
    public void Parse_PartLongerThan63Bytes_ThrowsFormatExceptionNamingTheLimit(string format)
    {
        // 22 three-byte characters: 66 bytes, which PostgreSQL would cut to 63, another name.
        var parse = () => TableName.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, new string('表', 22)));

        parse.Should().Throw<FormatException>().WithMessage("*66 bytes*63 bytes*SCHEMA.TABLE*");
    }

    [Test]
    public void Quoted_AnySpelling_RoundTripsThroughParse()
    {
        var table = new TableName("Mixed \"Schema\"", "tä.ble");

        table.Quoted.Should().Be("\"Mixed \"\"Schema\"\"\".\"tä.ble\"");
        TableName.Parse(table.Quoted).Should().Be(table);
    }

    [Test]
    public void QuoteIdentifier_Nul_Throws()
    {
        var quote = () => TableName.QuoteIdentifier("a\0b");

        quote.Should().Throw<ArgumentException>();
    }
}
