namespace ApiLed.IntegrationTests.Support.Otlp;

/// <summary>
/// Reads the protobuf wire format field by field (varints, fixed 32/64-bit values and length-delimited fields), enough
/// to decode the OTLP requests the services export; unknown fields are skipped, as protobuf readers do.
/// </summary>
public ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;
    private int position;

    public int Field { get; private set; }

    public int WireType { get; private set; }

    /// <summary>Moves to the next field; false at the end.</summary>
    public bool Next()
    {
        if (position >= data.Length)
        {
            return false;
        }

        var tag = ReadVarint();
        Field = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("A varint longer than 10 bytes.");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = (int)ReadVarint();
        var bytes = data.Slice(position, length);
        position += length;
        return bytes;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    public ulong ReadFixed64()
    {
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(position, 8));
        position += 8;
        return value;
    }

    public double ReadDouble() => BitConverter.UInt64BitsToDouble(ReadFixed64());

    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadVarint(); break;
            case 1: position += 8; break;
            case 2: ReadBytes(); break;
            case 5: position += 4; break;
            default: throw new FormatException($"Wire type {WireType} is not supported.");
        }
    }
}
