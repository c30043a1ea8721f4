// What the organizer's event pages share (docs/events.md): an event as the API shows it, its
// report, and its addresses.
export interface EventPoll {
  id: string;
  question: string;
  type: string;
  status: string;
  quiz: { correctOptionIds: string[]; seconds: number } | null;
}

export interface CanvassEvent {
  id: string;
  title: string;
  joinCode: string;
  startsAt: string;
  endsAt: string;
  live: boolean;
  polls: EventPoll[];
  qa: { enabled: boolean; anonymous: boolean; moderation: boolean };
  createdAt: string;
}

export const eventPath = (eventId: string) => `/api/v1/events/${encodeURIComponent(eventId)}`;
export const joinLink = (code: string) => `${location.origin}/e/${code}`;

export interface EventReport {
  participation: { polls: number; ballots: number; mostVoters: number };
  polls: {
    position: number;
    id: string;
    question: string;
    type: string;
    ballots: number;
    answers: { answer: string; votes: number }[];
  }[];
}
