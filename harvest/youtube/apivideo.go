package youtube

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/harvestdev/ytharvest/harvest"
)

// apiItem is one video of a videos.list answer, the parts ytharvest asks
// for (https://developers.google.com/youtube/v3/docs/videos).
type apiItem struct {
	ID      string `json:"id"`
	Snippet struct {
		PublishedAt          string                  `json:"publishedAt"`
		ChannelID            string                  `json:"channelId"`
		Title                string                  `json:"title"`
		Description          string                  `json:"description"`
		Thumbnails           map[string]apiThumbnail `json:"thumbnails"`
		ChannelTitle         string                  `json:"channelTitle"`
		Tags                 []string                `json:"tags"`
		CategoryID           string                  `json:"categoryId"`
		LiveBroadcastContent string                  `json:"liveBroadcastContent"` // none, upcoming, live
	} `json:"snippet"`
	ContentDetails struct {
		Duration          string `json:"duration"` // ISO 8601: PT5M12S
		RegionRestriction *struct {
			Allowed *[]string `json:"allowed"`
			Blocked []string  `json:"blocked"`
		} `json:"regionRestriction"`
		ContentRating struct {
			YtRating string `json:"ytRating"` // ytAgeRestricted
		} `json:"contentRating"`
	} `json:"contentDetails"`
	Status struct {
		UploadStatus    string `json:"uploadStatus"` // deleted, failed, processed, rejected, uploaded
		FailureReason   string `json:"failureReason"`
		RejectionReason string `json:"rejectionReason"`
		PrivacyStatus   string `json:"privacyStatus"` // private, public, unlisted
	} `json:"status"`
	Statistics struct {
		ViewCount string `json:"viewCount"`
	} `json:"statistics"`
	LiveStreamingDetails *struct {
		ActualStartTime    string `json:"actualStartTime"`
		ActualEndTime      string `json:"actualEndTime"`
		ScheduledStartTime string `json:"scheduledStartTime"`
	} `json:"liveStreamingDetails"`
}

type apiThumbnail struct {
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// apiCategories are YouTube's standard video categories by ID, which
// videos.list gives only as a number (videoCategories.list would cost a
// request for what has not changed in years).
var apiCategories = map[string]string{
	"1": "Film & Animation", "2": "Autos & Vehicles", "10": "Music", "15": "Pets & Animals", "17": "Sports",
	"19": "Travel & Events", "20": "Gaming", "22": "People & Blogs", "23": "Comedy", "24": "Entertainment",
	"25": "News & Politics", "26": "Howto & Style", "27": "Education", "28": "Science & Technology",
	"29": "Nonprofits & Activism",
}

// video turns an item into a Video. The status comes from the API only
// where it says so: an upload deleted or rejected is removed, one that
// failed or is still processing unplayable, a private one private,
// contentRating.ytRating ytAgeRestricted age_restricted, a broadcast not
// yet started live_upcoming, a video allowed in no country unplayable;
// anything else plays (the player may still say members-only, when it is
// asked). The caption tracks are not known: only the player lists them.
func (it apiItem) video(now time.Time) *harvest.Video {
	sn := it.Snippet
	v := &harvest.Video{
		ID: it.ID, Status: harvest.VideoOK, FetchedAt: now,
		Title: sn.Title, Description: sn.Description, ChannelID: sn.ChannelID, ChannelTitle: sn.ChannelTitle,
		Keywords: sn.Tags, Category: apiCategories[sn.CategoryID], PublishedAt: parseDate(sn.PublishedAt),
		Duration: isoDuration(it.ContentDetails.Duration), ViewCount: atoi64(it.Statistics.ViewCount),
		IsLive: sn.LiveBroadcastContent == "live", IsUpcoming: sn.LiveBroadcastContent == "upcoming",
		MetadataSource: harvest.MetadataDataAPI, CaptionTracksUnknown: true,
	}
	best := -1
	for _, t := range sn.Thumbnails {
		if t.Width*t.Height > best {
			best, v.ThumbnailURL = t.Width*t.Height, t.URL
		}
	}
	if l := it.LiveStreamingDetails; l != nil && l.ScheduledStartTime != "" && l.ActualStartTime == "" {
		v.IsUpcoming = true
	}
	st := it.Status
	rr := it.ContentDetails.RegionRestriction
	switch {
	case st.UploadStatus == "deleted":
		v.Status, v.StatusReason = harvest.VideoRemoved, "deleted (Data API uploadStatus)"
	case st.UploadStatus == "rejected":
		v.Status, v.StatusReason = harvest.VideoRemoved, "rejected: "+orDefault(st.RejectionReason, "no reason given")+" (Data API uploadStatus)"
	case st.UploadStatus == "failed":
		v.Status, v.StatusReason = harvest.VideoUnplayable, "upload failed: "+orDefault(st.FailureReason, "no reason given")+" (Data API uploadStatus)"
	case st.UploadStatus == "uploaded":
		v.Status, v.StatusReason = harvest.VideoUnplayable, "still processing (Data API uploadStatus)"
	case st.PrivacyStatus == "private":
		v.Status, v.StatusReason = harvest.VideoPrivate, "private (Data API privacyStatus)"
	case it.ContentDetails.ContentRating.YtRating == "ytAgeRestricted":
		v.Status, v.StatusReason = harvest.VideoAgeRestricted, "age-restricted (Data API contentRating.ytRating)"
	case v.IsUpcoming:
		v.Status, v.StatusReason = harvest.VideoLiveUpcoming, "upcoming"
		if l := it.LiveStreamingDetails; l != nil && l.ScheduledStartTime != "" {
			v.StatusReason = "scheduled for " + l.ScheduledStartTime
		}
	case rr != nil && rr.Allowed != nil && len(*rr.Allowed) == 0:
		v.Status, v.StatusReason = harvest.VideoUnplayable, "not available in any country (Data API regionRestriction)"
	case rr != nil && rr.Allowed != nil:
		v.StatusReason = "region restriction: allowed only in " + strings.Join(*rr.Allowed, " ")
	case rr != nil && len(rr.Blocked) > 0:
		v.StatusReason = "region restriction: blocked in " + strings.Join(rr.Blocked, " ")
	}
	if v.Status != harvest.VideoOK {
		v.IsLive = false
	}
	return v
}

var isoPeriod = regexp.MustCompile(`^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$`)

// isoDuration reads an ISO 8601 duration as videos.list gives it
// (PT1H2M3S, P1DT2H, P0D for a live stream); anything else is 0.
func isoDuration(s string) time.Duration {
	m := isoPeriod.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0
	}
	var d time.Duration
	for i, unit := range []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second} {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || n > 1e6 {
			return 0
		}
		d += time.Duration(n) * unit
	}
	return d
}
