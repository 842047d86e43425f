using System.IO.Compression;
using System.Text;

namespace DragVideo.Diffusion.Tests.Loading;

/// <summary>Builds pickle byte streams and torch-style zip checkpoints by hand for the restricted-reader tests.</summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _s = new();

    public PickleBuilder Op(byte op) { _s.WriteByte(op); return this; }
    public PickleBuilder Proto(int p = 2) => Op(0x80).Op((byte)p);
    public PickleBuilder Global(string module, string name) { Op((byte)'c'); Raw(module + "\n" + name + "\n"); return this; }
    public PickleBuilder Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        Op((byte)'X');
        _s.Write(BitConverter.GetBytes(b.Length));
        _s.Write(b);
        return this;
    }
    public PickleBuilder Int(int v) { Op((byte)'J'); _s.Write(BitConverter.GetBytes(v)); return this; }
    public PickleBuilder Mark() => Op((byte)'(');
    public PickleBuilder Tuple() => Op((byte)'t');
    public PickleBuilder EmptyTuple() => Op((byte)')');
    public PickleBuilder Reduce() => Op((byte)'R');
    public PickleBuilder SetItems() => Op((byte)'u');
    public PickleBuilder False() => Op(0x89);
    public PickleBuilder BinPersId() => Op((byte)'Q');
    public PickleBuilder Stop() => Op((byte)'.');
    public PickleBuilder Raw(string ascii) { _s.Write(Encoding.ASCII.GetBytes(ascii)); return this; }
    public PickleBuilder IntTuple(params int[] values) { Mark(); foreach (var v in values) Int(v); return Tuple(); }

    /// <summary>_rebuild_tensor_v2(storage('key', FloatStorage, numel), offset, size, stride, False, OrderedDict()).</summary>
    public PickleBuilder Tensor(string key, int numel, int offset, int[] size, int[] stride, string storage = "FloatStorage")
    {
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().Str("storage").Global("torch", storage).Str(key).Str("cpu").Int(numel).Tuple().BinPersId();
        Int(offset).IntTuple(size).IntTuple(stride).False();
        Global("collections", "OrderedDict").EmptyTuple().Reduce();
        Tuple().Reduce();
        return this;
    }

    public byte[] Bytes() => _s.ToArray();

    /// <summary>An OrderedDict {"w": [2,3] tensor over storage "0" holding 0..5}.</summary>
    public static byte[] OneTensorStateDict() =>
        new PickleBuilder().Proto().Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Mark().Str("w").Tensor("0", 6, 0, new[] { 2, 3 }, new[] { 3, 1 }).SetItems().Stop().Bytes();

    public static byte[] FloatBytes(int count) => Enumerable.Range(0, count).SelectMany(i => BitConverter.GetBytes((float)i)).ToArray();

    /// <summary>A torch-style zip: archive/data.pkl, archive/data/&lt;key&gt;, archive/version.</summary>
    public static byte[] Zip(byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] data)
            {
                var e = zip.CreateEntry(name, CompressionLevel.NoCompression);
                using var s = e.Open();
                s.Write(data);
            }
            Add("archive/data.pkl", pickle);
            foreach (var (k, d) in storages) Add("archive/data/" + k, d);
            Add("archive/version", Encoding.ASCII.GetBytes("3\n"));
        }
        return ms.ToArray();
    }
}
