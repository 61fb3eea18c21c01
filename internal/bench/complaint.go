package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"nivaran/internal/grievance"
)

// Complaint is the body of POST /api/v1/complaints.
type Complaint struct {
	Name        string   `json:"name"`
	Mobile      string   `json:"mobile"`
	Language    string   `json:"language"`
	Category    string   `json:"category"`
	Area        string   `json:"area"`
	Address     string   `json:"address"`
	Description string   `json:"description"`
	Lat         *float64 `json:"lat,omitempty"`
	Long        *float64 `json:"long,omitempty"`
}

// New returns the complaint as the domain's filing (channel app).
func (c Complaint) New() grievance.NewComplaint {
	in := grievance.NewComplaint{Name: c.Name, Mobile: c.Mobile, Language: grievance.Lang(c.Language), Channel: grievance.ChannelApp,
		Category: c.Category, Area: c.Area, Address: c.Address, Description: c.Description}
	if c.Lat != nil {
		in.Location = &grievance.Point{Lat: *c.Lat, Long: *c.Long}
	}
	return in
}

// The default district masters' codes (internal/masters/default.json) and
// realistic Hindi and English text.
var (
	categories = []string{"mun-garbage", "mun-drain", "mun-streetlight", "mun-stray-animals", "jal-leakage", "jal-no-supply",
		"jal-contaminated", "jal-sewer", "pow-outage", "pow-transformer", "pwd-pothole", "pwd-road-damaged", "hea-medicine",
		"food-ration", "rd-handpump", "edu-mid-day-meal"}
	areas = []string{"w-z1-aminabad", "w-z1-hazratganj", "w-z1-lalbagh", "w-z2-aishbagh", "w-z3-aliganj", "w-z4-gomti-nagar",
		"w-z5-alambagh", "w-z6-chowk", "w-z7-indira-nagar", "w-z8-telibagh", "b-chinhat", "b-malihabad", "b-kakori", "b-gosainganj"}
	names     = []string{"राम कुमार", "सीता देवी", "मोहम्मद इरफ़ान", "गीता वर्मा", "सुरेश यादव", "Anjali Srivastava", "फ़ातिमा बेगम", "राजेश तिवारी"}
	addresses = []string{"अमीनाबाद बाज़ार, गली 4", "मकान 12/7, सेक्टर बी", "पुराने मंदिर के पास", "प्राथमिक विद्यालय के सामने", "House 45, Lane 3"}
	sentences = []string{
		"तीन दिन से कूड़ा नहीं उठा है।", "नाली जाम है और पानी सड़क पर बह रहा है।", "गली की बत्ती एक हफ़्ते से खराब है।",
		"पाइपलाइन से पानी रिस रहा है।", "सड़क में बड़ा गड्ढा है, रात में दुर्घटना का डर है।", "बच्चे और बुज़ुर्ग परेशान हैं।",
		"कई बार शिकायत की पर कोई नहीं आया।", "कृपया जल्दी कार्रवाई करें।", "Water has been dirty since Monday.",
	}
)

// RandomComplaint is a varied, valid complaint drawn from r.
func RandomComplaint(r *rand.Rand) Complaint {
	c := Complaint{
		Name:     names[r.IntN(len(names))],
		Mobile:   fmt.Sprintf("%d%09d", 6+r.IntN(4), r.IntN(1e9)),
		Language: []string{"hi", "hi", "hi", "en"}[r.IntN(4)],
		Category: categories[r.IntN(len(categories))],
		Area:     areas[r.IntN(len(areas))],
		Address:  addresses[r.IntN(len(addresses))],
	}
	var d strings.Builder
	for range 1 + r.IntN(4) {
		d.WriteString(sentences[r.IntN(len(sentences))])
		d.WriteByte(' ')
	}
	c.Description = strings.TrimSpace(d.String())
	if r.IntN(3) == 0 {
		lat, long := 26.75+r.Float64()*0.2, 80.85+r.Float64()*0.2
		c.Lat, c.Long = &lat, &long
	}
	return c
}

// Bodies returns n JSON complaint bodies, the same on every run.
func Bodies(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		b, err := json.Marshal(RandomComplaint(r))
		if err != nil {
			panic(err) // a fixed struct of strings always marshals
		}
		out[i] = b
	}
	return out
}

// Complaints decodes bodies.
func Complaints(bodies [][]byte) ([]Complaint, error) {
	out := make([]Complaint, len(bodies))
	for i, b := range bodies {
		if err := json.Unmarshal(b, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
