using System.Text.Json;

namespace DragVideo.Benchmarks;

/// <summary>One measured figure of the quick benchmark.</summary>
/// <param name="Name">what was measured.</param>
/// <param name="Value">the figure.</param>
/// <param name="Unit">its unit (ms, GFLOP/s, ×, MB, frames/s …).</param>
/// <param name="Note">how it was measured or what it is compared with.</param>
internal sealed record QuickRow(string Name, double Value, string Unit, string Note = "");

/// <summary>Collects rows, prints them as one table and writes them as JSON.</summary>
internal sealed class QuickTable
{
    private readonly List<QuickRow> _rows = new();

    public IReadOnlyList<QuickRow> Rows => _rows;

    public QuickRow Add(string name, double value, string unit, string note = "")
    {
        var row = new QuickRow(name, value, unit, note);
        _rows.Add(row);
        Console.WriteLine($"  {name,-62} {value,12:0.###} {unit,-9} {note}");
        return row;
    }

    public void WriteJson(string path, IReadOnlyDictionary<string, string> machine)
    {
        var doc = new { machine, rows = _rows };
        string tmp = path + ".tmp";
        // Skipped rows carry NaN (and a note saying why); JSON has no NaN, so they are written as the string "NaN".
        File.WriteAllText(tmp, JsonSerializer.Serialize(doc, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        File.Move(tmp, path, overwrite: true);
    }
}
