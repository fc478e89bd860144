package postgres

import (
	"context"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// LoadRobots returns the stored robots.txt answer of host; see
// crawl.RobotsStore. Every worker reads the one row, so robots.txt is
// fetched once per host per day for all of them.
func (s *Store) LoadRobots(ctx context.Context, host string) (harvest.RobotsFile, bool, error) {
	var status *int32
	var body *string
	var fetched *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT robots_status, robots_txt, robots_fetched_at FROM hosts WHERE host = $1`, host).Scan(&status, &body, &fetched)
	if isNoRows(err) || err == nil && fetched == nil {
		return harvest.RobotsFile{}, false, nil
	}
	if err != nil {
		return harvest.RobotsFile{}, false, err
	}
	f := harvest.RobotsFile{Body: []byte(str(body)), FetchedAt: timeOf(fetched)}
	if status != nil {
		f.Status = int(*status)
	}
	return f, true, nil
}

// SaveRobots stores the robots.txt answer of host; see crawl.RobotsStore.
func (s *Store) SaveRobots(ctx context.Context, host string, f harvest.RobotsFile) error {
	s.robotsSaved.Store(host, time.Now())
	_, err := s.pool.Exec(ctx, `
		INSERT INTO hosts (host, robots_status, robots_txt, robots_fetched_at, crawl_delay_ms)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (host) DO UPDATE SET robots_status = excluded.robots_status,
		  robots_txt = excluded.robots_txt, robots_fetched_at = excluded.robots_fetched_at,
		  crawl_delay_ms = excluded.crawl_delay_ms`,
		host, f.Status, string(f.Body), nullTime(f.FetchedAt), f.CrawlDelay.Milliseconds())
	return err
}

// robotsSavedAt returns when this process last stored the robots.txt of
// host: a host slice tells by it that asking robots.txt made a request.
func (s *Store) robotsSavedAt(host string) time.Time {
	t, _ := s.robotsSaved.Load(host)
	at, _ := t.(time.Time)
	return at
}
