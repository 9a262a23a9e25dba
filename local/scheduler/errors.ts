/** The errors the local Scheduler API answers: `{"Message"}` with the type in `x-amzn-errortype`. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

export const validation = (message: string) => new ApiError(400, 'ValidationException', message);
export const notFound = (message: string) => new ApiError(404, 'ResourceNotFoundException', message);
export const conflict = (message: string) => new ApiError(409, 'ConflictException', message);
