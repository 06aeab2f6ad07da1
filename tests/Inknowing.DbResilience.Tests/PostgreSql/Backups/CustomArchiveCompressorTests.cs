using System.IO.Compression;
using System.Text;
using Inknowing.DbResilience.PostgreSql.Backups;

namespace Inknowing.DbResilience.Tests.PostgreSql.Backups;

/// <summary>
/// The archive versions of pg_dump 11 to 18, built byte by byte as pg_backup_archiver.c and pg_backup_custom.c write them
/// (one table of COPY rows), through the streaming compressor: the header's compression field, the table of contents of
/// each version, the zlib chunks and the row count. The integration tests run the real pg_dump and pg_restore of 15, 17 and 18.
/// </summary>
public sealed class CustomArchiveCompressorTests
{
    private const int IntSize = 4;
    private const int OffSize = 8;
    private static readonly byte[] Rows = Encoding.UTF8.GetBytes("1\tone\n2\ttwo\\nlines\n3\t\\N\n\\.\n\n\n");

    [TestCase(12, "pg_dump 11")]
    [TestCase(14, "pg_dump 12 to 15")]
    [TestCase(15, "pg_dump 16")]
    [TestCase(16, "pg_dump 17 and 18")]
    public void Process_UncompressedArchiveOfVersion_WritesGzipArchiveAndCountsRows(int minor, string writtenBy)
    {
        var input = BuildArchive(minor, compressionNone: true);
        using var compressor = new CustomArchiveCompressor(1);

        compressor.Process(input);
        var output = compressor.TakeOutput();

        compressor.ArchiveVersion.Should().Be($"1.{minor}.0", writtenBy);
        compressor.RowCounts.Should().Equal(new Dictionary<(string, string), long> { [("public", "items")] = 3 });
        var headLength = HeadLength(minor);
        output.AsSpan(0, 11).ToArray().Should().Equal(input.AsSpan(0, 11).ToArray());
        if (minor >= 15)
        {
            output[11].Should().Be(1, "from 1.15 on the header names the algorithm: 1 is gzip");
            output.AsSpan(12, headLength - 12).ToArray().Should().Equal(input.AsSpan(12, headLength - 12).ToArray());
        }
        else
        {
            output.AsSpan(11, 1 + IntSize).ToArray().Should().Equal(new byte[] { 0, 1, 0, 0, 0 }, "before 1.15 the header holds the zlib level");
            output.AsSpan(12 + IntSize, headLength - 12 - IntSize).ToArray().Should().Equal(input.AsSpan(12 + IntSize, headLength - 12 - IntSize).ToArray());
        }

        InflateBlock(output.AsSpan(headLength)).Should().Equal(Rows);
    }

    [TestCase(15)]
    [TestCase(16)]
    public void Process_ArchiveCompressedByPgDump16OrLater_IsRefused(int minor)
    {
        using var compressor = new CustomArchiveCompressor(1);

        var process = () => compressor.Process(BuildArchive(minor, compressionNone: false));

        process.Should().Throw<InvalidDataException>().WithMessage("*compressed the archive itself (algorithm 1)*--compress=0*");
    }

    [Test]
    public void Process_ArchiveVersionNewerThan1_16_IsRefusedNamingTheVersions()
    {
        using var compressor = new CustomArchiveCompressor(1);

        var process = () => compressor.Process(BuildArchive(17, compressionNone: true));

        process.Should().Throw<InvalidDataException>().WithMessage("*archive version 1.17.0; only 1.12 to 1.16 (pg_dump 11 to 18)*");
    }

    private static int HeadLength(int minor) => BuildHead(minor, compressionNone: true).Length;

    private static byte[] BuildArchive(int minor, bool compressionNone)
    {
        var archive = new MemoryStream();
        archive.Write(BuildHead(minor, compressionNone));
        archive.WriteByte(1); // BLK_DATA
        WriteInt(archive, 7); // the dump id of the TABLE DATA entry
        foreach (var (start, length) in new[] { (0, 6), (6, Rows.Length - 6) })
        {
            WriteInt(archive, length);
            archive.Write(Rows, start, length);
        }

        WriteInt(archive, 0);
        return archive.ToArray();
    }

    private static byte[] BuildHead(int minor, bool compressionNone)
    {
        var head = new MemoryStream();
        head.Write("PGDMP"u8);
        head.Write([1, (byte)minor, 0, IntSize, OffSize, 1]);
        if (minor >= 15)
        {
            head.WriteByte(compressionNone ? (byte)0 : (byte)1);
        }
        else
        {
            WriteInt(head, compressionNone ? 0 : 6);
        }

        foreach (var field in new[] { 0, 30, 12, 3, 11, 126, 0 })
        {
            WriteInt(head, field); // the creation time, as a struct tm
        }

        WriteString(head, "shop");
        WriteString(head, "18.1");
        WriteString(head, "18.1");
        WriteInt(head, 2);
        WriteEntry(head, minor, dumpId: 6, tag: "items", desc: "TABLE", copyStmt: null, dependencies: []);
        WriteEntry(head, minor, dumpId: 7, tag: "items", desc: "TABLE DATA", copyStmt: "COPY public.items (id, name) FROM stdin;\n", dependencies: ["6"]);
        return head.ToArray();
    }

    private static void WriteEntry(MemoryStream head, int minor, int dumpId, string tag, string desc, string? copyStmt, string[] dependencies)
    {
        WriteInt(head, dumpId);
        WriteInt(head, copyStmt is null ? 0 : 1);
        WriteString(head, "1259");
        WriteString(head, "16390");
        WriteString(head, tag);
        WriteString(head, desc);
        WriteInt(head, copyStmt is null ? 1 : 2); // section: pre-data, data
        WriteString(head, copyStmt is null ? "CREATE TABLE public.items (id int, name text);\n" : string.Empty);
        WriteString(head, copyStmt is null ? "DROP TABLE public.items;\n" : string.Empty);
        WriteString(head, copyStmt);
        WriteString(head, "public");
        WriteString(head, string.Empty); // tablespace
        if (minor >= 14)
        {
            WriteString(head, "heap");
        }

        if (minor >= 16)
        {
            WriteInt(head, 'r'); // relkind
        }

        WriteString(head, "app");
        WriteString(head, "false");
        foreach (var dependency in dependencies)
        {
            WriteString(head, dependency);
        }

        WriteString(head, null);
        head.WriteByte(copyStmt is null ? (byte)3 : (byte)1); // K_OFFSET_NO_DATA, K_OFFSET_POS_NOT_SET
        head.Write(new byte[OffSize]);
    }

    private static void WriteInt(MemoryStream stream, int value)
    {
        stream.WriteByte(value < 0 ? (byte)1 : (byte)0);
        var magnitude = Math.Abs(value);
        for (var i = 0; i < IntSize; i++)
        {
            stream.WriteByte((byte)(magnitude >> (8 * i)));
        }
    }

    private static void WriteString(MemoryStream stream, string? value)
    {
        if (value is null)
        {
            WriteInt(stream, -1);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        WriteInt(stream, bytes.Length);
        stream.Write(bytes);
    }

    private static byte[] InflateBlock(ReadOnlySpan<byte> block)
    {
        block[0].Should().Be(1);
        var position = 1 + 1 + IntSize;
        var compressed = new MemoryStream();
        while (true)
        {
            var length = BitConverter.ToInt32(block.Slice(position + 1, IntSize));
            position += 1 + IntSize;
            if (length == 0)
            {
                break;
            }

            compressed.Write(block.Slice(position, length));
            position += length;
        }

        position.Should().Be(block.Length, "the block ends the archive");
        compressed.Position = 0;
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        var rows = new MemoryStream();
        zlib.CopyTo(rows);
        return rows.ToArray();
    }
}
