using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DragVideo.Diffusion.Loading;
using static TorchSharp.torch;

namespace DragVideo.Editing.Caching;

/// <summary>SHA-256 keys for the edit cache (hex, lower case).</summary>
internal static class CacheKey
{
    /// <summary>Hash of a tensor's dtype, shape and bytes (copied to a contiguous CPU buffer first).</summary>
    public static string OfTensor(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendTensor(hash, tensor);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Hash of several parts (each length-prefixed, so ("ab","c") ≠ ("a","bc")).</summary>
    public static string Combine(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(p ?? "\0null");
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A fingerprint of a TorchSharp module's weights (see <see cref="WeightFingerprint.Of"/>).</summary>
    public static string OfModule(TorchSharp.torch.nn.Module module) => WeightFingerprint.Of(module);

    /// <summary>
    /// The weight identity of an editor component: its <see cref="IWeightFingerprint"/> when it has one, else the
    /// fingerprint of its weights when it is a TorchSharp module, else an identity of this very instance (its type and a
    /// per-process id), so components whose weights cannot be identified never share cache entries.
    /// </summary>
    public static string OfComponent(object component)
    {
        ArgumentNullException.ThrowIfNull(component);
        return component switch
        {
            IWeightFingerprint f => Combine("fingerprint", f.WeightFingerprint),
            TorchSharp.torch.nn.Module m => Combine("module", OfModule(m)),
            _ => Combine("instance", component.GetType().FullName ?? "?", InstanceIds.GetValue(component, _ => new StrongBox<string>(Guid.NewGuid().ToString("N"))).Value!),
        };
    }

    /// <summary>
    /// Hash of an options record's canonical serialisation: every public property (nested records included), names in
    /// ordinal order, enums by name, numbers round-trippable. A new option is part of the key without anyone listing it.
    /// </summary>
    public static string OfOptions<T>(T options) where T : class
    {
        ArgumentNullException.ThrowIfNull(options);
        var node = JsonSerializer.SerializeToNode(options, options.GetType(), CanonicalJson);
        return Combine(options.GetType().FullName ?? typeof(T).Name, Canonical(node));
    }

    private static readonly JsonSerializerOptions CanonicalJson = new()
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    private static readonly ConditionalWeakTable<object, StrongBox<string>> InstanceIds = new();

    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => JsonSerializer.Serialize(kv.Key) + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        _ => node.ToJsonString(CanonicalJson),
    };

    private static void AppendTensor(IncrementalHash hash, Tensor tensor)
    {
        using var cpu = tensor.detach().to(CPU).contiguous();
        hash.AppendData(Encoding.UTF8.GetBytes(cpu.dtype.ToString()));
        hash.AppendData(MemoryMarshal.AsBytes(cpu.shape.AsSpan()));
        if (cpu.numel() == 0) return;
        hash.AppendData(cpu.bytes);
    }
}
