package contentindex

// Description is the WebIDL dictionary ContentDescription after conversion.
// It is stored and returned by getAll exactly as given.
type Description struct {
	ID          string          `json:"id"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Category    string          `json:"category"`
	Icons       []ImageResource `json:"icons"`
	URL         string          `json:"url"`
}

// ImageResource is the WebIDL dictionary ImageResource (Image Resource spec):
// src is required, the others optional ("" when absent).
type ImageResource struct {
	Src   string `json:"src"`
	Sizes string `json:"sizes,omitempty"`
	Type  string `json:"type,omitempty"`
	Label string `json:"label,omitempty"`
	// Empty marks the optional members that were given as empty strings
	// (EmptySizes, EmptyType, EmptyLabel): present, unlike absent ones, so
	// getAll gives them back.
	Empty EmptyMembers `json:"empty,omitempty"`
}

// EmptyMembers is a set of ImageResource's optional members.
type EmptyMembers uint8

// The optional members of ImageResource.
const (
	EmptySizes EmptyMembers = 1 << iota
	EmptyType
	EmptyLabel
)

// has reports whether the optional member (its value v, its bit m) is
// present: not empty, or given empty.
func (r ImageResource) has(v string, m EmptyMembers) bool { return v != "" || r.Empty&m != 0 }

// HasSizes, HasType and HasLabel report whether the member was given.
func (r ImageResource) HasSizes() bool { return r.has(r.Sizes, EmptySizes) }
func (r ImageResource) HasType() bool  { return r.has(r.Type, EmptyType) }
func (r ImageResource) HasLabel() bool { return r.has(r.Label, EmptyLabel) }

// The values of the ContentCategory enum.
const (
	CategoryNone     = ""
	CategoryHomepage = "homepage"
	CategoryArticle  = "article"
	CategoryVideo    = "video"
	CategoryAudio    = "audio"
)

// Categories lists the ContentCategory enum values in IDL order.
var Categories = []string{CategoryNone, CategoryHomepage, CategoryArticle, CategoryVideo, CategoryAudio}

// ValidCategory reports whether c is a ContentCategory value.
func ValidCategory(c string) bool {
	switch c {
	case CategoryNone, CategoryHomepage, CategoryArticle, CategoryVideo, CategoryAudio:
		return true
	}
	return false
}

// Clone returns a deep copy of d (the Icons slice is copied).
func (d Description) Clone() Description {
	if d.Icons != nil {
		d.Icons = append([]ImageResource(nil), d.Icons...)
	}
	return d
}

// Equal reports whether two descriptions are identical (nil and empty Icons
// are equal).
func (d Description) Equal(o Description) bool {
	if d.ID != o.ID || d.Title != o.Title || d.Description != o.Description ||
		d.Category != o.Category || d.URL != o.URL || len(d.Icons) != len(o.Icons) {
		return false
	}
	for i := range d.Icons {
		if d.Icons[i] != o.Icons[i] {
			return false
		}
	}
	return true
}

// Limits are the host's limits on what one registration may put in the
// index. Exceeding any of them rejects the operation with a
// QuotaExceededError naming the field; nothing is ever truncated.
//
// A zero field means "the default" (see DefaultLimits); a negative field means
// "no limit". String lengths are measured in bytes of UTF-8.
type Limits struct {
	// MaxEntriesPerRegistration caps a registration's content index entries
	// (an add overwriting an existing id does not count). Default 1000.
	MaxEntriesPerRegistration int
	// MaxIDLen caps description.id. Default 1024 bytes.
	MaxIDLen int
	// MaxTitleLen caps description.title and each icon's sizes, type and
	// label. Default 1024 bytes.
	MaxTitleLen int
	// MaxDescriptionLen caps description.description. Default 8192 bytes.
	MaxDescriptionLen int
	// MaxURLLen caps description.url and each icon's src, as given and once
	// resolved against the base URL. Default 8192 bytes.
	MaxURLLen int
	// MaxIcons caps the number of icons in one description. Default 10.
	MaxIcons int
	// MaxIconBytes caps the size of one fetched icon's body. Default 1 MiB.
	MaxIconBytes int
	// MaxIconPixels caps width*height of one icon, checked from the image
	// header before any pixel is decoded. Default 2048*2048.
	MaxIconPixels int64
}

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxEntriesPerRegistration: 1000,
		MaxIDLen:                  1024,
		MaxTitleLen:               1024,
		MaxDescriptionLen:         8192,
		MaxURLLen:                 8192,
		MaxIcons:                  10,
		MaxIconBytes:              1 << 20,
		MaxIconPixels:             2048 * 2048,
	}
}

// WithDefaults returns l with zero fields replaced by DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	orDefault(&l.MaxEntriesPerRegistration, d.MaxEntriesPerRegistration)
	orDefault(&l.MaxIDLen, d.MaxIDLen)
	orDefault(&l.MaxTitleLen, d.MaxTitleLen)
	orDefault(&l.MaxDescriptionLen, d.MaxDescriptionLen)
	orDefault(&l.MaxURLLen, d.MaxURLLen)
	orDefault(&l.MaxIcons, d.MaxIcons)
	orDefault(&l.MaxIconBytes, d.MaxIconBytes)
	orDefault(&l.MaxIconPixels, d.MaxIconPixels)
	return l
}

// orDefault sets *v to d when *v is the zero value.
func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// over reports whether n exceeds the limit max (negative: unlimited).
func over(n, max int) bool { return max >= 0 && n > max }

func checkLen(field, s string, max int) error {
	if over(len(s), max) {
		return quotaErr("ContentDescription.%s is %d bytes long; the limit is %d", field, len(s), max)
	}
	return nil
}

// Validate checks a converted description as add() does before resolving
// its URLs: the category enum (a TypeError, as WebIDL conversion would
// raise), step 3 (id, title, description and url must not be empty: a
// TypeError), then the host's limits (QuotaExceededError). Zero fields of l
// take their defaults. Errors are *js.Error naming the field.
func Validate(d Description, l Limits) error {
	l = l.WithDefaults()
	if !ValidCategory(d.Category) {
		return typeErr("Failed to read the 'category' property from 'ContentDescription': The provided value '%s' is not a valid enum value of type ContentCategory.", d.Category)
	}
	for _, f := range [...]struct{ name, v string }{{"id", d.ID}, {"title", d.Title}, {"description", d.Description}, {"url", d.URL}} {
		if f.v == "" {
			return typeErr("ContentDescription.%s must not be empty", f.name)
		}
	}
	if err := checkLen("id", d.ID, l.MaxIDLen); err != nil {
		return err
	}
	if err := checkLen("title", d.Title, l.MaxTitleLen); err != nil {
		return err
	}
	if err := checkLen("description", d.Description, l.MaxDescriptionLen); err != nil {
		return err
	}
	if err := checkLen("url", d.URL, l.MaxURLLen); err != nil {
		return err
	}
	if over(len(d.Icons), l.MaxIcons) {
		return quotaErr("ContentDescription.icons has %d icons; the limit is %d", len(d.Icons), l.MaxIcons)
	}
	for i, ic := range d.Icons {
		p := "icons[" + itoa(i) + "]."
		if err := checkLen(p+"src", ic.Src, l.MaxURLLen); err != nil {
			return err
		}
		if err := checkLen(p+"sizes", ic.Sizes, l.MaxTitleLen); err != nil {
			return err
		}
		if err := checkLen(p+"type", ic.Type, l.MaxTitleLen); err != nil {
			return err
		}
		if err := checkLen(p+"label", ic.Label, l.MaxTitleLen); err != nil {
			return err
		}
	}
	return nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [24]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
