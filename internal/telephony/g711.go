package telephony

// G.711 tables, built once at start-up from the ITU-T formulas: encoding
// and decoding are table look-ups in the mixer's hot loop.

var (
	ulawDecode [256]int16
	alawDecode [256]int16
	ulawEncode [65536]byte
	alawEncode [65536]byte
)

func init() {
	for i := range 256 {
		ulawDecode[i] = ulawToLinear(byte(i))
		alawDecode[i] = alawToLinear(byte(i))
	}
	for i := range 65536 {
		s := int16(uint16(i))
		ulawEncode[i] = linearToUlaw(s)
		alawEncode[i] = linearToAlaw(s)
	}
}

func ulawToLinear(u byte) int16 {
	u = ^u
	t := (int32(u&0x0f) << 3) + 0x84
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int32(a&0x0f) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

var segEnd = [8]int32{0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF}

func linearToUlaw(s int16) byte {
	const bias, clipAt = 0x84 >> 2, 8159
	v := int32(s) >> 2 // 14 bits
	mask := byte(0xFF)
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	if v > clipAt {
		v = clipAt
	}
	v += bias
	seg := 0
	for seg < 8 && v > segEnd[seg]>>2 {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	return (byte(seg<<4) | byte((v>>(seg+1))&0x0F)) ^ mask
}

func linearToAlaw(s int16) byte {
	v := int32(s) >> 3 // 13-bit
	mask := byte(0xD5)
	if v < 0 {
		v = -v - 1
		mask = 0x55
	}
	seg := 0
	for seg < 8 && v > segEnd[seg]>>3 {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := byte(seg << 4)
	if seg < 2 {
		a |= byte((v >> 1) & 0x0F)
	} else {
		a |= byte((v >> seg) & 0x0F)
	}
	return a ^ mask
}

// codec is a leg's G.711 variant.
type codec struct {
	pt  uint8 // 0 PCMU, 8 PCMA
	dec *[256]int16
	enc *[65536]byte
}

func codecFor(pt uint8) codec {
	if pt == 8 {
		return codec{pt: 8, dec: &alawDecode, enc: &alawEncode}
	}
	return codec{pt: 0, dec: &ulawDecode, enc: &ulawEncode}
}

func (c codec) decode(dst []int16, src []byte) []int16 {
	for _, b := range src {
		dst = append(dst, c.dec[b])
	}
	return dst
}

func (c codec) encode(dst []byte, src []int16) []byte {
	for _, s := range src {
		dst = append(dst, c.enc[uint16(s)])
	}
	return dst
}
