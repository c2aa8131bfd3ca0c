package calendar

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// data/<country>.csv: date,kind,name,basis,source — one row per date that is
// not an ordinary day of the week. kind: holiday | dayoff | workday.
// basis: known (published) | derived (from the law's rules, no decree seen)
// | provisional (a future or lunar date that may change).
//
//go:embed data/*.csv
var dataFS embed.FS

var zones = map[string]string{"kz": "Asia/Almaty", "ru": "Asia/Yekaterinburg"}

type countrySet struct {
	loc   *time.Location
	facts map[Date]fact
}

var (
	loadOnce sync.Map // country -> func() (*countrySet, error)
)

// Countries are the data sets shipped.
func Countries() []string { return []string{"kz", "ru"} }

func countryData(country string) (*countrySet, error) {
	f, _ := loadOnce.LoadOrStore(country, sync.OnceValues(func() (*countrySet, error) { return parseCountry(country) }))
	return f.(func() (*countrySet, error))()
}

func parseCountry(country string) (*countrySet, error) {
	zone, ok := zones[country]
	if !ok {
		return nil, fmt.Errorf("calendar: unknown country %q; accepted: %s", country, strings.Join(Countries(), ", "))
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("calendar %s: zone %s: %w (import time/tzdata)", country, zone, err)
	}
	b, err := dataFS.ReadFile("data/" + country + ".csv")
	if err != nil {
		return nil, err
	}
	facts, err := parseFacts(strings.NewReader(string(b)))
	if err != nil {
		return nil, fmt.Errorf("calendar %s: %w", country, err)
	}
	return &countrySet{loc: loc, facts: facts}, nil
}

var csvKinds = map[string]Kind{"holiday": Holiday, "dayoff": MovedDayOff, "workday": MovedWorkingDay}

func parseFacts(r io.Reader) (map[Date]fact, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 5
	facts := map[Date]fact{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return facts, nil
		}
		if err != nil {
			return nil, err
		}
		if rec[0] == "date" {
			continue
		}
		d, err := ParseDate(rec[0])
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", line, err)
		}
		k, ok := csvKinds[rec[1]]
		if !ok {
			return nil, fmt.Errorf("row %d: kind %q: want holiday, dayoff or workday", line, rec[1])
		}
		if _, dup := facts[d]; dup {
			return nil, fmt.Errorf("row %d: %s listed twice", line, d)
		}
		facts[d] = fact{kind: k, name: rec[2], basis: rec[3], source: rec[4]}
	}
}
