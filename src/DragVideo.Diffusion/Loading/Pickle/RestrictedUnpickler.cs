using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace DragVideo.Diffusion.Loading;

/// <summary>
/// A pickle virtual machine that builds data and torch tensors and nothing else. It implements the opcodes of pickle
/// protocols 0–5 that construct plain values and containers; the only globals it resolves are an allow-list
/// (<c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c> / <c>_rebuild_tensor</c> /
/// <c>_rebuild_parameter</c>, and the typed <c>torch.*Storage</c> classes), and it "calls" them by interpreting their
/// arguments itself. Any other global — <c>os.system</c>, <c>builtins.eval</c>, <c>subprocess.Popen</c>, a pickled
/// class — stops the read with a <see cref="ModelLoadException"/> naming it. No Python object is ever instantiated and
/// no user-controlled type is looked up.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private const int MaxStackDepth = 1_000_000;
    private const int MaxLongBytes = 256;

    private static readonly Dictionary<string, (ScalarType Type, int Size)> Storages = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = (ScalarType.Float32, 4),
        ["DoubleStorage"] = (ScalarType.Float64, 8),
        ["HalfStorage"] = (ScalarType.Float16, 2),
        ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
        ["LongStorage"] = (ScalarType.Int64, 8),
        ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2),
        ["CharStorage"] = (ScalarType.Int8, 1),
        ["ByteStorage"] = (ScalarType.Byte, 1),
        ["BoolStorage"] = (ScalarType.Bool, 1),
    };

    private static readonly HashSet<string> Callables = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter",
    };

    private readonly byte[] _data;
    private readonly string _source;
    private readonly Func<TorchStorageRef, Tensor> _loadStorage;
    private readonly List<Tensor> _created;
    private readonly List<object?> _stack = new();
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private int _pos;

    /// <param name="data">The pickle bytes.</param>
    /// <param name="source">File named in errors.</param>
    /// <param name="loadStorage">Returns the 1-D storage tensor for a persistent id (cached by the caller).</param>
    /// <param name="created">Receives every tensor this unpickler creates, so the caller can dispose them on failure.</param>
    public RestrictedUnpickler(byte[] data, string source, Func<TorchStorageRef, Tensor> loadStorage, List<Tensor> created)
    {
        _data = data;
        _source = source;
        _loadStorage = loadStorage;
        _created = created;
    }

    private ModelLoadException Error(string message) => new($"Pickle rejected at byte {_pos}: {message}", _source);

    /// <summary>Runs the pickle to its STOP opcode and returns the top-level object.</summary>
    public object? Load()
    {
        while (true)
        {
            if (_stack.Count > MaxStackDepth) throw Error("the stack grew beyond its limit.");
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: // PROTO
                    int proto = ReadByte();
                    if (proto > 5) throw Error($"unsupported pickle protocol {proto}.");
                    break;
                case 0x95: ReadBytes(8); break; // FRAME: length only, frames are read sequentially anyway
                case (byte)'.': // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) throw Error("STOP with an unbalanced stack.");
                    return _stack[0];

                case (byte)'(': _marks.Push(_stack.Count); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP

                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'I': Push(ParseIntLine(ReadLine())); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
                case (byte)'L': Push(ParseLongLine(ReadLine())); break;
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: Push(ReadLong(ReadLength(4))); break; // LONG4
                case (byte)'F': Push(ParseFloat(ReadLine())); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;

                case (byte)'S': Push(ParseQuotedString(ReadLine())); break; // STRING (protocol 0)
                case (byte)'T': Push(Latin1(ReadBytes(ReadLength(4)))); break; // BINSTRING
                case (byte)'U': Push(Latin1(ReadBytes(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'V': Push(ParseRawUnicode(ReadLine())); break; // UNICODE
                case (byte)'X': Push(Utf8(ReadBytes(ReadLength(4)))); break; // BINUNICODE
                case 0x8c: Push(Utf8(ReadBytes(ReadByte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(ReadBytes(ReadLength(8)))); break; // BINUNICODE8
                case (byte)'B': Push(ReadBytes(ReadLength(4)).ToArray()); break; // BINBYTES
                case (byte)'C': Push(ReadBytes(ReadByte()).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: Push(ReadBytes(ReadLength(8)).ToArray()); break; // BINBYTES8
                case 0x96: Push(ReadBytes(ReadLength(8)).ToArray()); break; // BYTEARRAY8

                case (byte)']': Push(new PickleList()); break;
                case (byte)'l': { var l = new PickleList(); l.AddRange(PopMark()); Push(l); break; }
                case (byte)'a': { var v = Pop(); As<PickleList>(Peek(), "APPEND").Add(v); break; }
                case (byte)'e': { var items = PopMark(); As<PickleList>(Peek(), "APPENDS").AddRange(items); break; }
                case (byte)')': Push(new PickleTuple(Array.Empty<object?>())); break;
                case (byte)'t': Push(new PickleTuple(PopMark().ToArray())); break;
                case 0x85: Push(new PickleTuple(new[] { Pop() })); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new PickleTuple(new[] { a, b })); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new PickleTuple(new[] { a, b, c })); break; }
                case (byte)'}': Push(new PickleDict()); break;
                case (byte)'d': { var d = new PickleDict(); AddPairs(d, PopMark()); Push(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); AsDict(Peek(), "SETITEM").Add(new(k, v)); break; }
                case (byte)'u': { var items = PopMark(); AddPairs(AsDict(Peek(), "SETITEMS"), items); break; }
                case 0x8f: Push(new PickleSet()); break; // EMPTY_SET
                case 0x90: { var items = PopMark(); As<PickleSet>(Peek(), "ADDITEMS").AddRange(items); break; }
                case 0x91: { var s = new PickleSet(); s.AddRange(PopMark()); Push(s); break; } // FROZENSET

                case (byte)'p': _memo[ParseIntLine(ReadLine())] = Peek(); break; // PUT
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'g': Push(MemoGet(ParseIntLine(ReadLine()))); break; // GET
                case (byte)'h': Push(MemoGet(ReadByte())); break; // BINGET
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // LONG_BINGET

                case (byte)'c': // GLOBAL "module\nname\n"
                {
                    string module = Utf8(ReadLine());
                    string name = Utf8(ReadLine());
                    Push(ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string ?? throw Error("STACK_GLOBAL needs string operands.");
                    var module = Pop() as string ?? throw Error("STACK_GLOBAL needs string operands.");
                    Push(ResolveGlobal(module, name));
                    break;
                }
                case (byte)'R': // REDUCE callable(*args)
                {
                    var args = Pop() as PickleTuple ?? throw Error("REDUCE needs an argument tuple.");
                    var callable = Pop();
                    Push(Call(callable, args.Items));
                    break;
                }
                case 0x81: // NEWOBJ cls.__new__(cls, *args)
                {
                    var args = Pop() as PickleTuple ?? throw Error("NEWOBJ needs an argument tuple.");
                    var cls = Pop();
                    Push(Call(cls, args.Items));
                    break;
                }
                case (byte)'b': // BUILD obj.__setstate__(state)
                {
                    var state = Pop();
                    if (Peek() is PickleDict dict) dict.State = state; // OrderedDict's __dict__ (torch: _metadata); kept inert
                    else if (Peek() is Tensor && state is null) { }
                    else throw Error($"BUILD (setstate) is only allowed on dictionaries, not on {Describe(Peek())}.");
                    break;
                }
                case (byte)'P': Push(PersistentLoad(Utf8(ReadLine()))); break; // PERSID (text)
                case (byte)'Q': Push(PersistentLoad(Pop())); break; // BINPERSID

                case (byte)'i': // INST module\nname\n: builds an instance of an arbitrary class
                    throw Error($"INST of '{Utf8(ReadLine())}.{Utf8(ReadLine())}' is not allowed; only tensors and plain containers are read.");
                case (byte)'o': throw Error("OBJ (instantiate a class) is not allowed; only tensors and plain containers are read.");
                case 0x92: throw Error("NEWOBJ_EX is not allowed; only tensors and plain containers are read.");
                case 0x82 or 0x83 or 0x84: throw Error("EXT opcodes (extension registry) are not allowed.");
                case 0x97: throw Error("NEXT_BUFFER (out-of-band buffers) is not supported.");
                case 0x98: throw Error("READONLY_BUFFER (out-of-band buffers) is not supported.");
                default: throw Error($"unknown or unsupported opcode 0x{op:x2}.");
            }
        }
    }

    private object ResolveGlobal(string module, string name)
    {
        string full = module + "." + name;
        if (Callables.Contains(full)) return new PickleGlobal(module, name);
        if (module == "torch" && Storages.ContainsKey(name)) return new PickleGlobal(module, name);
        throw new ModelLoadException(
            $"The pickle references '{full}', which is not on the allow-list (collections.OrderedDict, torch._utils._rebuild_tensor_v2, " +
            "torch.*Storage and plain containers). Pickles can run arbitrary code in Python; this reader refuses anything but tensor data. " +
            "Convert the file to .safetensors if it is trusted.", _source);
    }

    private object? Call(object? callable, object?[] args)
    {
        if (callable is not PickleGlobal g || !Callables.Contains(g.FullName))
            throw Error($"calling {Describe(callable)} is not allowed.");
        switch (g.FullName)
        {
            case "collections.OrderedDict":
                var d = new PickleDict { IsOrderedDict = true };
                if (args.Length == 1 && args[0] is PickleList pairs)
                {
                    foreach (var p in pairs)
                    {
                        if (p is not PickleTuple { Items.Length: 2 } kv) throw Error("OrderedDict items must be pairs.");
                        d.Add(new(kv.Items[0], kv.Items[1]));
                    }
                }
                else if (args.Length != 0) throw Error("OrderedDict takes no arguments or one list of pairs here.");
                return d;
            case "torch._utils._rebuild_parameter":
                // (data, requires_grad, backward_hooks): a Parameter is just its data for a state dict.
                if (args.Length < 1 || args[0] is not Tensor data) throw Error("_rebuild_parameter needs a tensor.");
                return data;
            default: // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]) / _rebuild_tensor(storage, offset, size, stride)
                if (args.Length < 4) throw Error($"{g.Name} needs storage, offset, size and stride.");
                return RebuildTensor(args[0], args[1], args[2], args[3]);
        }
    }

    private Tensor RebuildTensor(object? storageObj, object? offsetObj, object? sizeObj, object? strideObj)
    {
        if (storageObj is not TorchStorageRef storage) throw Error("_rebuild_tensor_v2's first argument must be a persistent storage.");
        long offset = AsLong(offsetObj, "storage offset");
        long[] size = AsLongTuple(sizeObj, "size");
        long[] stride = AsLongTuple(strideObj, "stride");
        if (size.Length != stride.Length) throw Error($"size has {size.Length} dims but stride {stride.Length}.");
        if (size.Length > SafetensorsFile.MaxRank) throw Error($"rank {size.Length} exceeds {SafetensorsFile.MaxRank}.");
        if (offset < 0 || size.Any(s => s < 0) || stride.Any(s => s < 0))
            throw Error("negative offset, size or stride.");
        bool empty = size.Any(s => s == 0);
        if (!empty)
        {
            // The furthest element the view touches must lie inside the storage.
            BigInteger last = offset;
            for (int i = 0; i < size.Length; i++) last += (BigInteger)(size[i] - 1) * stride[i];
            if (last >= storage.ElementCount)
                throw Error($"a tensor of size [{string.Join(", ", size)}], stride [{string.Join(", ", stride)}] at offset {offset} reaches element {last} of a storage holding {storage.ElementCount}.");
        }
        var source = _loadStorage(storage);
        Tensor tensor;
        if (empty)
        {
            tensor = torch.empty(size, storage.DType);
        }
        else
        {
            using var view = source.as_strided(size, stride, offset);
            tensor = view.clone(); // an independent, contiguous copy: the storage is freed after the read
        }
        _created.Add(tensor);
        return tensor;
    }

    private object PersistentLoad(object? pid)
    {
        // torch.save: ('storage', storage_type, key, location, numel)
        if (pid is not PickleTuple { Items.Length: 5 } t || t.Items[0] is not "storage")
            throw Error($"unexpected persistent id {Describe(pid)}; only torch storages are read.");
        if (t.Items[1] is not PickleGlobal { Module: "torch" } type || !Storages.TryGetValue(type.Name, out var st))
            throw Error($"unsupported storage type {Describe(t.Items[1])}.");
        if (t.Items[2] is not string key || key.Length == 0 || key.Length > 64 || !key.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            throw Error("the storage key must be a short alphanumeric name.");
        long numel = AsLong(t.Items[4], "storage size");
        if (numel < 0) throw Error("negative storage size.");
        return new TorchStorageRef(key, st.Type, st.Size, numel, t.Items[3] as string ?? "cpu");
    }

    private long AsLong(object? v, string what) => v switch
    {
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        _ => throw Error($"{what} must be an integer, found {Describe(v)}."),
    };

    private long[] AsLongTuple(object? v, string what) => v switch
    {
        PickleTuple t => t.Items.Select(x => AsLong(x, what)).ToArray(),
        PickleList l => l.Select(x => AsLong(x, what)).ToArray(),
        _ => throw Error($"{what} must be a tuple of integers, found {Describe(v)}."),
    };

    private static string Describe(object? v) => v switch
    {
        null => "None",
        PickleGlobal g => g.FullName,
        PickleTuple t => $"a tuple of {t.Items.Length}",
        PickleDict => "a dict",
        PickleList => "a list",
        Tensor => "a tensor",
        string s => $"'{(s.Length > 40 ? s[..40] + "…" : s)}'",
        _ => v.GetType().Name,
    };

    private void AddPairs(PickleDict d, List<object?> items)
    {
        if (items.Count % 2 != 0) throw Error("odd number of items for a dict.");
        for (int i = 0; i < items.Count; i += 2) d.Add(new(items[i], items[i + 1]));
    }

    private T As<T>(object? v, string op) where T : class => v as T ?? throw Error($"{op} on {Describe(v)}.");

    private PickleDict AsDict(object? v, string op) => As<PickleDict>(v, op);

    private object? MemoGet(long index) => _memo.TryGetValue(index, out var v) ? v : throw Error($"memo entry {index} was never stored.");

    private void Push(object? v) => _stack.Add(v);

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count)) throw Error("stack underflow.");
        var v = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object? Peek()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count)) throw Error("stack underflow.");
        return _stack[^1];
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) throw Error("no MARK to pop to.");
        int m = _marks.Pop();
        var items = _stack.GetRange(m, _stack.Count - m);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private byte ReadByte()
    {
        if (_pos >= _data.Length) throw Error("unexpected end of the pickle (truncated?).");
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> ReadBytes(long n)
    {
        if (n < 0 || n > _data.Length - _pos) throw Error($"a length of {n} runs past the end of the pickle.");
        var s = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private long ReadLength(int width)
    {
        var b = ReadBytes(width);
        ulong n = width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);
        if (n > (ulong)(_data.Length - _pos)) throw Error($"a length of {n} runs past the end of the pickle.");
        return (long)n;
    }

    private ReadOnlySpan<byte> ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Error("unterminated text argument.");
        var s = _data.AsSpan(_pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private object ReadLong(long n)
    {
        if (n > MaxLongBytes) throw Error($"an integer of {n} bytes is not a plausible tensor attribute.");
        var b = ReadBytes(n);
        if (n == 0) return 0L;
        var big = new BigInteger(b, isUnsigned: false, isBigEndian: false);
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    private long ParseIntLine(ReadOnlySpan<byte> line)
    {
        string s = Latin1(line);
        if (s == "00") return 0; // protocol 0 False
        if (s == "01") return 1; // protocol 0 True
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : throw Error($"bad integer '{s}'.");
    }

    private object ParseLongLine(ReadOnlySpan<byte> line)
    {
        string s = Latin1(line).TrimEnd('L');
        if (s.Length > MaxLongBytes * 3) throw Error("an implausibly long integer.");
        if (!BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)) throw Error($"bad long '{s}'.");
        return big >= long.MinValue && big <= long.MaxValue ? (long)big : big;
    }

    private double ParseFloat(ReadOnlySpan<byte> line) =>
        double.TryParse(Latin1(line), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw Error("bad float.");

    private string ParseQuotedString(ReadOnlySpan<byte> line)
    {
        string s = Latin1(line);
        if (s.Length < 2 || s[0] != s[^1] || (s[0] != '\'' && s[0] != '"')) throw Error("bad quoted string.");
        return Unescape(s[1..^1]);
    }

    private string ParseRawUnicode(ReadOnlySpan<byte> line) => Unescape(Latin1(line));

    private string Unescape(string s)
    {
        try
        {
            return Regex.Unescape(s);
        }
        catch (ArgumentException)
        {
            throw Error("a text string has an invalid escape.");
        }
    }

    private static string Latin1(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    private string Utf8(ReadOnlySpan<byte> b)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(b);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string is not valid UTF-8.");
        }
    }
}
